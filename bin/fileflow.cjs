#!/usr/bin/env node
// The CLI is TypeScript; tsx compiles it on the fly so users need no build step.
require('tsx/cjs');
require('../cli/main.ts');
