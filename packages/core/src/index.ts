export * from './errors.js';
export * from './types.js';
export { configSchema, type HerogenConfig, type ResolvedConfig } from './config/schema.js';
