'use strict';
// The gts style (Google TypeScript style), type-aware against our tsconfig.
const gts = require('gts/build/eslint.config.js');

module.exports = [
  {
    ignores: [
      'build/',
      '.local/',
      'bench/results/',
      'reports/',
      '.stryker-tmp/',
    ],
  },
  // gts lints *.ts; the entry point is functions/index.cts (it says why),
  // held to the same rules.
  ...gts.map(c =>
    c.files?.includes('**/*.ts') ? {...c, files: [...c.files, '**/*.cts']} : c,
  ),
  // gts leaves test/fixtures/ out; ours are code the tests run, kept to the
  // same style.
  {ignores: ['!test/fixtures/']},
  {
    // Plain CommonJS run by node: from the shell scripts, and mocha's
    // configuration of the unit tests.
    files: ['scripts/**/*.js', 'test/unit.mocharc.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        require: 'readonly',
        module: 'writable',
        __dirname: 'readonly',
        process: 'readonly',
        fetch: 'readonly',
        setTimeout: 'readonly',
      },
    },
  },
  {
    files: ['**/*.ts', '**/*.cts'],
    languageOptions: {
      parserOptions: {project: './tsconfig.json', tsconfigRootDir: __dirname},
    },
  },
  // As gts has it for *.ts: the compiler, not ESLint, knows which names exist.
  {files: ['**/*.cts'], rules: {'no-undef': 'off'}},
];
