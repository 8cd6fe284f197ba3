'use strict';
// The gts style (Google TypeScript style), type-aware against our tsconfig.
const gts = require('gts/build/eslint.config.js');

module.exports = [
  {ignores: ['build/', '.local/', 'bench/results/']},
  ...gts,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: {project: './tsconfig.json', tsconfigRootDir: __dirname},
    },
  },
];
