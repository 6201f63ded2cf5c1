#!/usr/bin/env node
// Committed so package managers can link the command before `dist/` is built.
import '../dist/bin.js';
