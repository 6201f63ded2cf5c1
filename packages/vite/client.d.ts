// Module types for `?hero` imports and `virtual:herogen`.
// Add `/// <reference types="@herogen/vite/client" />` to a .d.ts file (e.g. src/env.d.ts),
// or "types": ["@herogen/vite/client"] to tsconfig.json.

declare module '*?hero' {
  const hero: import('@herogen/vite/hero').HeroImage;
  export default hero;
}

declare module 'virtual:herogen' {
  /** Every hero of the site, keyed by root-relative content path (`posts/a.md`). */
  export const heroes: import('@herogen/vite/hero').HeroMap;
  export default heroes;
}
