// Read by the Vite plugin and by the `herogen` CLI alike, so both compute the same keys.
/** @type {import('@herogen/core').HerogenConfig} */
export default {
  content: 'posts/*.md',
  style: 'editorial photograph, natural light, muted colours, shallow depth of field, no text',
  aspect: '16:9',
};
