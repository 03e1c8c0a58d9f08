// ESLint flat config: @eslint/js and typescript-eslint recommended rules over the TypeScript and JavaScript
// sources. Formatting is Prettier's job (npm run lint runs both). A disable comment must say why on the same
// line ("eslint-disable-line rule -- reason"), checked by the local rule below.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Every eslint-disable comment carries a reason after " -- ". */
const requireReason = {
  meta: {
    type: 'suggestion',
    schema: [],
    messages: { missing: 'an eslint-disable comment needs a reason: "-- why" on the same line' },
  },
  create(context) {
    return {
      Program() {
        for (const c of context.sourceCode.getAllComments()) {
          if (/^\s*eslint-disable/.test(c.value) && !/\s--\s*\S/.test(c.value))
            context.report({ loc: c.loc, messageId: 'missing' });
        }
      },
    };
  },
};

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'dist/',
      'coverage/',
      '.cache/',
      'src/kernels/asm/',
      'src/kernels/wasm-binary.ts',
      'src/sim/asm/',
      'src/sim/wasm-sim-binary.ts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    plugins: { local: { rules: { 'require-reason': requireReason } } },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        performance: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        TextEncoder: 'readonly',
        TextDecoder: 'readonly',
        WebAssembly: 'readonly',
        structuredClone: 'readonly',
        queueMicrotask: 'readonly',
        setImmediate: 'readonly',
        SharedArrayBuffer: 'readonly',
        Atomics: 'readonly',
      },
    },
    rules: {
      'local/require-reason': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          caughtErrors: 'none',
        },
      ],
    },
  },
);
