/**
 * What the browser sees of PingOne's resources: only what a widget shows, phone numbers and email
 * addresses masked, no upstream ids other than device ids.
 * @module
 */
import type { Device } from '../pingone/index.ts';
import type { DeviceView } from '../protocol/index.ts';

export function maskPhone(phone: string): string {
  if (phone.includes('*')) return phone;
  const digits = phone.replace(/[^0-9+]/g, '');
  if (digits.length <= 6) return digits.replace(/[0-9]/g, '*');
  return `${digits.slice(0, 2)}${'*'.repeat(digits.length - 6)}${digits.slice(-4)}`;
}

export function maskEmail(email: string): string {
  if (email.includes('*')) return email;
  const at = email.lastIndexOf('@');
  if (at < 1) return '****';
  return `${email.slice(0, 1)}****${email.slice(at)}`;
}

/** Devices a person can use or manage; remembered browsers are not shown as devices. */
export function isUserDevice(device: Device): boolean {
  return device.type !== 'REMEMBER_ME';
}

export function deviceView(device: Device): DeviceView {
  const target =
    device.phone !== undefined
      ? maskPhone(device.phone)
      : device.email !== undefined
        ? maskEmail(device.email)
        : undefined;
  const locked =
    device.lock?.status === 'LOCKED' && device.lock.expiresAt ? device.lock.expiresAt : undefined;
  return {
    id: device.id,
    type: device.type,
    status: device.status,
    ...(device.nickname ? { nickname: device.nickname } : {}),
    ...(target ? { target } : {}),
    ...(device.serialNumber ? { serialNumber: device.serialNumber } : {}),
    ...(locked ? { lockedUntil: locked } : {}),
    ...(device.createdAt ? { createdAt: device.createdAt } : {}),
  };
}
