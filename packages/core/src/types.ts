/**
 * Contracts shared by every herogen module. Pure data shapes only: no I/O, no classes. Each
 * group lives in its own file under `contracts/`; this file re-exports them all, so a module
 * imports every contract from `types.js`.
 */
export * from './contracts/batch.js';
export * from './contracts/http.js';
export * from './contracts/lock.js';
export * from './contracts/provider.js';
export * from './contracts/request.js';
export * from './contracts/run.js';
export * from './contracts/session.js';
