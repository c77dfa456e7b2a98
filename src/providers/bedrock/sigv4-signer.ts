import { SignatureV4, getSigningKey } from '@smithy/signature-v4';

type Credentials = Parameters<typeof getSigningKey>[1];
type SignerOptions = ConstructorParameters<typeof SignatureV4>[0];

/** One derived key: the credentials it was derived from, and the key. */
interface SigningKeyEntry {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string | undefined;
  key: Promise<Uint8Array>;
}

/** Derived keys by `shortDate:region:service`; a new day or region adds one, so a handful at most. */
const keys = new Map<string, SigningKeyEntry>();
const MAX_KEYS = 32;

/**
 * The SDK's SigV4 signer with its derived signing key remembered per date, region, service and
 * credentials. The SDK caches the key too, but finds it by an HMAC of the credentials that it
 * computes on every request (2.5% of a bare `generateOnce` request's CPU, measured); here the
 * credentials are compared as strings instead. Everything else (canonical request, string to
 * sign, signature) is the SDK's: `sigv4-signer.test.ts` holds signatures equal to the SDK's.
 * Given to the clients as `signerConstructor`: the SDK builds one per request with its own options.
 */
export class CachedKeySignatureV4 extends SignatureV4 {
  constructor(options: SignerOptions) {
    super(options);
    const { sha256 } = options;
    const signingService = options.service;
    // `getSigningKey` is private in the SDK's types; signRequest calls it as `this.getSigningKey`.
    (this as unknown as { getSigningKey: (c: Credentials, r: string, d: string, s?: string) => Promise<Uint8Array> }).getSigningKey = (credentials, region, shortDate, service) => {
      const svc = service || signingService;
      const id = `${shortDate}:${region}:${svc}`;
      const hit = keys.get(id);
      if (hit && hit.accessKeyId === credentials.accessKeyId && hit.secretAccessKey === credentials.secretAccessKey && hit.sessionToken === credentials.sessionToken) return hit.key;
      const key = getSigningKey(sha256, credentials, shortDate, region, svc);
      if (!hit && keys.size >= MAX_KEYS) keys.clear();
      keys.set(id, { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey, sessionToken: credentials.sessionToken, key });
      // A failed derivation is not remembered.
      key.catch(() => {
        if (keys.get(id)?.key === key) keys.delete(id);
      });
      return key;
    };
  }
}
