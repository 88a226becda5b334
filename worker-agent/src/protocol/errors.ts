// The JSON body of every API error: a human sentence, a stable dotted code, and the field at fault.
import { z } from 'zod';

export const ApiErrorBodySchema = z.object({
  detail: z.string(),
  code: z.string(),
  field: z.string().optional(),
  issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
export type ApiErrorBody = z.infer<typeof ApiErrorBodySchema>;
