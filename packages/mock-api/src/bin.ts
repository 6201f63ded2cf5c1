#!/usr/bin/env node
import { serveMockApiFromArgs } from './cli.js';

serveMockApiFromArgs(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 2;
});
