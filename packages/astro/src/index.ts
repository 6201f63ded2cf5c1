export const PACKAGE = 'astro';
