// Read by the Astro integration and by the `herogen` CLI alike, so both compute the same keys.
/** @type {import('@herogen/astro').HerogenAstroOptions} */
export default {
  style: 'editorial photograph, natural light, muted colours, shallow depth of field, no text',
  aspect: '16:9',
  quality: 'medium',
};
