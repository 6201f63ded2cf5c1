export const PACKAGE = 'mock-api';
