import { ApiKey } from '../auth/api-key.entity';
import { AuditEntry } from '../audit/audit-entry.entity';

/** Every entity the data source maps; each feature adds its own here. */
export const entities = [ApiKey, AuditEntry];
