/** Row shapes of the engine's tables, as libSQL returns them (snake_case, Unix ms). */

export interface UserRow {
  id: string;
  username: string;
  email: string | null;
  mobile_phone: string | null;
  mfa_enabled: number;
  webauthn_handle: string;
  devices_ordered: number;
  failures: number;
  locked_until: number | null;
  created_at: number;
  updated_at: number;
}

export interface DeviceRow {
  id: string;
  user_id: string;
  type: string;
  status: 'ACTIVE' | 'ACTIVATION_REQUIRED';
  nickname: string | null;
  phone: string | null;
  extension: string | null;
  email: string | null;
  secret: string | null;
  oath_serial: string | null;
  last_step: number | null;
  resync_step: number | null;
  drift_steps: number;
  credential_id: string | null;
  public_key: string | null;
  sign_count: number | null;
  transports: string | null;
  rp_id: string | null;
  aaguid: string | null;
  backup_eligible: number | null;
  backed_up: number | null;
  user_verified: number | null;
  registration: string | null;
  activation_hash: string | null;
  activation_expires_at: number | null;
  last_sent_at: number | null;
  blocked_at: number | null;
  failures: number;
  total_failures: number;
  locked_until: number | null;
  position: number;
  policy_id: string | null;
  activated_at: number | null;
  created_at: number;
  updated_at: number;
}

export interface AuthenticationRow {
  id: string;
  user_id: string | null;
  policy_id: string;
  status: AuthenticationStatus;
  selected_device_id: string | null;
  one_time: string | null;
  otp_hash: string | null;
  otp_expires_at: number | null;
  challenge: string | null;
  challenge_expires_at: number | null;
  request_options: string | null;
  failures: number;
  rp_id: string | null;
  compatibility: string | null;
  error_code: string | null;
  error_message: string | null;
  last_sent_at: number | null;
  expires_at: number;
  created_at: number;
  updated_at: number;
}

export type AuthenticationStatus =
  'DEVICE_SELECTION_REQUIRED' | 'OTP_REQUIRED' | 'ASSERTION_REQUIRED' | 'COMPLETED' | 'FAILED';

export interface PolicyRow {
  id: string;
  kind: 'mfa' | 'fido2';
  body: string;
  is_default: number;
  created_at: number;
  updated_at: number;
}

export interface OathTokenRow {
  serial: string;
  secret: string;
  kind: 'HOTP' | 'TOTP';
  algorithm: string;
  digits: number;
  period: number;
  counter: number;
  created_at: number;
}

export interface OutboxRow {
  id: number;
  channel: string;
  recipient: string;
  text: string;
  created_at: number;
}

export interface RememberedRow {
  id: string;
  user_id: string;
  token_hash: string;
  binding: string;
  policy_id: string;
  session_id: string | null;
  expires_at: number;
  created_at: number;
}
