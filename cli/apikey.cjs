#!/usr/bin/env node
// The `apikey` command: runs the TypeScript CLI through tsx's loader.
require('tsx/cjs/api').register();
require('./main.ts');
