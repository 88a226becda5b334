// Small building blocks shared by the resource schemas.
import { z } from 'zod';

export const IsoDateTimeSchema = z.iso.datetime({ offset: true });
export const UuidSchema = z.uuid();
export const TagsSchema = z.array(z.string().min(1).max(200)).max(100);
export const JsonObjectSchema = z.record(z.string(), z.unknown());
/** Prefect's list endpoints cap a page at 200 rows. */
export const LimitSchema = z.number().int().min(1).max(200);
export const OffsetSchema = z.number().int().min(0);
