#!/usr/bin/env node
// The `apikey` command: runs the TypeScript CLI through tsx's loader.
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS entry point: require is how it loads tsx, then main.ts */
require('tsx/cjs/api').register();
require('./main.ts');
