/** Re-export of the one error module (src/core/errors.ts) for the model readers. */
export { UserError } from '../core/errors.js';
