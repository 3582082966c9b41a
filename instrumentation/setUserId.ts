/**
 * Tells spanpulse who the user of the current request is (`user.id` on its SERVER span).
 */
import { ATTR_USER_ID } from './attributeNames.js';
import { currentServerSpan } from './currentServerSpan.js';
import { MAX_NAME_LENGTH } from './limits.js';

/**
 * Sets the signed-in user of the current request, once the app knows it (after its auth
 * middleware). The collector links the user to the request's session. Use an opaque id, not
 * an e-mail address. A no-op when spanpulse is not running, outside a traced request, or for
 * an empty or longer than 256 character id. Never throws.
 */
export function setUserId(id: string | number): void {
  try {
    const text = typeof id === 'number' && Number.isFinite(id) ? String(id) : typeof id === 'string' ? id.trim() : '';
    if (text === '' || text.length > MAX_NAME_LENGTH) return;
    currentServerSpan()?.setAttribute(ATTR_USER_ID, text);
  } catch {
    // Attribution is best effort; the app's request is not.
  }
}
