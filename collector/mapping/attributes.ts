/**
 * Reading span attributes under both generations of OpenTelemetry semantic conventions:
 * instrumentation-http up to 0.220 (and many other SDKs) send the old names, 0.221+ only
 * the stable ones. Each reader takes the names in order of preference.
 */
import type { AttributeValue, Attributes } from '../pdata/Span.js';
import { truncateString } from './truncate.js';

/** The first attribute among `names` that is a non-empty string, cut to `maxLength` by `truncateString`; else null. */
export function stringAttribute(attributes: Attributes, names: readonly string[], maxLength: number): string | null {
  for (const name of names) {
    const value = attributes.get(name);
    if (typeof value === 'string' && value.length > 0) return truncateString(value, maxLength);
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  }
  return null;
}

/** The first attribute among `names` that is an integer (or a string holding one); else null. */
export function integerAttribute(attributes: Attributes, names: readonly string[]): number | null {
  for (const name of names) {
    const value = toInteger(attributes.get(name));
    if (value !== null) return value;
  }
  return null;
}

function toInteger(value: AttributeValue | undefined): number | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : null;
  if (typeof value === 'string' && /^-?\d{1,15}$/.test(value)) return Number(value);
  return null;
}

export const HTTP_METHOD = ['http.request.method', 'http.method'];
export const HTTP_STATUS = ['http.response.status_code', 'http.status_code'];
export const HTTP_ROUTE = ['http.route'];
export const URL_PATH = ['url.path', 'http.target'];
export const URL_FULL = ['url.full', 'http.url'];
export const CLIENT_ADDRESS = ['client.address', 'http.client_ip', 'net.peer.ip', 'network.peer.address'];
export const USER_AGENT = ['user_agent.original', 'http.user_agent'];
export const SESSION_ID = ['session.id'];
export const USER_ID = ['user.id', 'enduser.id'];
export const AGENT_NAME = ['gen_ai.agent.name'];
export const INPUT_TOKENS = ['gen_ai.usage.input_tokens', 'gen_ai.usage.prompt_tokens'];
export const OUTPUT_TOKENS = ['gen_ai.usage.output_tokens', 'gen_ai.usage.completion_tokens'];
// GenAI conventions, newest names first (semantic-conventions-genai), then the names of
// instrumentations built on older versions.
export const GENAI_OPERATION = ['gen_ai.operation.name'];
export const AGENT_ID = ['gen_ai.agent.id'];
export const GENAI_PROVIDER = ['gen_ai.provider.name', 'gen_ai.system'];
export const REQUEST_MODEL = ['gen_ai.request.model'];
export const RESPONSE_MODEL = ['gen_ai.response.model'];
export const CACHE_READ_TOKENS = ['gen_ai.usage.cache_read.input_tokens', 'gen_ai.usage.input_tokens.cached', 'gen_ai.usage.cache_read_input_tokens'];
export const CACHE_WRITE_TOKENS = [
  'gen_ai.usage.cache_creation.input_tokens', 'gen_ai.usage.cache_write.input_tokens', 'gen_ai.usage.input_tokens.cache_write',
  'gen_ai.usage.cache_creation_input_tokens',
];
export const REASONING_TOKENS = ['gen_ai.usage.reasoning.output_tokens', 'gen_ai.usage.output_tokens.reasoning', 'gen_ai.usage.reasoning_tokens'];
export const ERROR_TYPE = ['error.type'];
export const CONVERSATION_ID = ['gen_ai.conversation.id'];
export const SERVICE_NAME = ['service.name'];
