import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

// Once, before any schema of the API is built: adds `.openapi()` so the schemas that validate requests
// also carry their OpenAPI names, examples and parameter descriptions.
extendZodWithOpenApi(z);

export { z };
