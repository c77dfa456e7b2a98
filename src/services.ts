import type { ApiKeyService } from './auth/api-key.service';
import type { AuditService } from './audit/audit.service';

/** The services the composition root (`app.ts`) builds and every resolver reaches through its context. */
export interface Services {
  apiKeys: ApiKeyService;
  audit: AuditService;
}
