/**
 * Field schemas shared by several routes.
 * @module
 */
import { z } from 'zod';

/**
 * Phone numbers in the forms PingOne accepts (`+1.5125551234`, `+1 (512) 555-1234`, …),
 * normalised to E.164 (`+15125551234`). Anything else, control characters included, is refused.
 */
export const phoneSchema = z
  .string()
  .max(40)
  .regex(/^\+?[0-9 ().-]+$/, { message: 'Phone must be an international number starting with +' })
  .transform((value) => `+${value.replace(/\D/g, '')}`)
  .refine((value) => /^\+[1-9][0-9]{7,14}$/.test(value), {
    message: 'Phone must have a country code and 8 to 15 digits',
  });

export const emailSchema = z.email({ message: 'Invalid email address' }).max(254);

/** Ids are UUIDs; a malformed id is simply not found. */
export const idRef = z.strictObject({ id: z.string().min(1).max(64) });

export const nicknameSchema = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .refine((value) => !/\p{Cc}/u.test(value), {
    message: 'Nickname must not contain control characters',
  });

/** A one-time code as typed: ASCII digits only. */
export const otpSchema = z
  .string()
  .regex(/^[0-9]{6,10}$/, { message: 'otp must be 6 to 10 ASCII digits' });
