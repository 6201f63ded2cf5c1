export const PACKAGE = 'vite';
