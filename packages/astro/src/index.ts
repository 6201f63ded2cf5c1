import { herogen } from './integration.js';

export type { HerogenAstroOptions } from './options.js';
export { herogen };
export default herogen;
