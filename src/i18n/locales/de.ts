/**
 * German. Addresses the user with „Sie“.
 * @module
 */
import type { Messages } from '../types.ts';

const messages: Messages = {
  // ---- shared
  'common.region': 'Multi-Faktor-Authentifizierung',
  'common.working': 'Bitte warten…',
  'common.continue': 'Weiter',
  'common.back': 'Zurück',
  'common.cancel': 'Abbrechen',
  'common.retry': 'Erneut versuchen',
  'common.fatalTitle': 'Wir konnten nicht fortfahren',
  'common.countdown': '{minutes}:{seconds}',

  // ---- device and method names
  'method.SMS': 'SMS',
  'method.VOICE': 'Sprachanruf',
  'method.EMAIL': 'E-Mail',
  'method.WHATSAPP': 'WhatsApp',
  'method.TOTP': 'Authenticator-App',
  'method.FIDO2': 'Passkey oder Sicherheitsschlüssel',
  'method.OATH_TOKEN': 'Hardware-Token',
  'method.description.SMS': 'Wir senden Ihnen einen Code per SMS.',
  'method.description.VOICE': 'Wir rufen Sie an und sagen Ihnen einen Code an.',
  'method.description.EMAIL':
    'Wir senden Ihnen einen Code per E-Mail. Weniger sicher als die anderen Methoden.',
  'method.description.WHATSAPP': 'Wir senden Ihnen einen Code per WhatsApp.',
  'method.description.TOTP': 'Codes aus einer App wie 1Password, Authy oder Google Authenticator.',
  'method.description.FIDO2':
    'Fingerabdruck, Gesichtserkennung, Displaysperre oder ein Hardware-Schlüssel.',
  'method.description.OATH_TOKEN': 'Ein Token mit Seriennummer, der Codes anzeigt.',
  'method.weaker': 'Weniger sicher',
  'method.recommended': 'Empfohlen',

  // ---- building blocks
  'otp.label': 'Bestätigungscode',
  'otp.hint': 'Geben Sie den {length}-stelligen Code ein.',
  'otp.hintRange': 'Geben Sie den {min}- oder {max}-stelligen Code ein.',
  'qr.label': 'QR-Code zum Scannen mit Ihrer Authenticator-App',
  'qr.failed':
    'Der QR-Code konnte nicht angezeigt werden. Geben Sie den Schlüssel stattdessen manuell ein.',
  'devicePicker.label': 'Ihre Bestätigungsmethoden',
  'devicePicker.default': 'Standard',
  'devicePicker.lockedUntil': 'Gesperrt bis {time}',
  'devicePicker.serial': 'Seriennummer {serial}',
  'methodPicker.label': 'Bestätigungsmethoden, die Sie hinzufügen können',

  // ---- sign-in
  'signin.title': 'Bestätigen Sie Ihre Identität',
  'signin.starting': 'Ihre Bestätigungsmethoden werden abgerufen…',
  'signin.choose.title': 'Bestätigungsmethode wählen',
  'signin.choose.intro': 'Wählen Sie eine Ihrer Bestätigungsmethoden.',
  'signin.code.title.SMS': 'Code aus der SMS eingeben',
  'signin.code.title.VOICE': 'Code aus unserem Anruf eingeben',
  'signin.code.title.EMAIL': 'Code aus der E-Mail eingeben',
  'signin.code.title.WHATSAPP': 'Code aus WhatsApp eingeben',
  'signin.code.title.TOTP': 'Code aus Ihrer Authenticator-App eingeben',
  'signin.code.title.OATH_TOKEN': 'Code von Ihrem Hardware-Token eingeben',
  'signin.code.sentTo.SMS': 'Wir haben einen Code an {target} gesendet.',
  'signin.code.sentTo.VOICE': 'Wir rufen {target} an und nennen Ihnen den Code.',
  'signin.code.sentTo.EMAIL': 'Wir haben einen Code an {target} gesendet.',
  'signin.code.sentTo.WHATSAPP': 'Wir haben einen Code per WhatsApp an {target} gesendet.',
  'signin.code.app': 'Öffnen Sie {name} und geben Sie den Code ein, der gerade angezeigt wird.',
  'signin.code.appUnnamed':
    'Öffnen Sie Ihre Authenticator-App und geben Sie den Code ein, der gerade angezeigt wird.',
  'signin.code.token':
    'Drücken Sie die Taste am Token {serial} und geben Sie den angezeigten Code ein.',
  'signin.code.tokenUnnamed':
    'Drücken Sie die Taste an Ihrem Token und geben Sie den angezeigten Code ein.',
  'signin.code.submit': 'Bestätigen',
  'signin.code.attemptsRemaining': {
    one: 'Der Code ist falsch. Sie haben noch 1 Versuch.',
    other: 'Der Code ist falsch. Sie haben noch {count} Versuche.',
  },
  'signin.code.locked': 'Zu viele falsche Codes. Sie können es in {time} erneut versuchen.',
  'signin.code.unlocked': 'Sie können es jetzt erneut versuchen.',
  'signin.resend': 'Neuen Code senden',
  'signin.resendIn': 'Neuen Code in {time} anfordern',
  'signin.resent': 'Wir haben einen neuen Code gesendet.',
  'signin.callInstead': 'Stattdessen einen Anruf erhalten',
  'signin.otherMethod': 'Andere Methode verwenden',
  'signin.remember': 'In diesem Browser nicht mehr fragen',
  'signin.fido.title': 'Passkey oder Sicherheitsschlüssel verwenden',
  'signin.fido.intro':
    'Wählen Sie „Weiter“, sobald Sie bereit sind, und folgen Sie den Anweisungen Ihres Browsers.',
  'signin.fido.start': 'Weiter',
  'signin.fido.waiting': 'Warten auf Ihren Passkey oder Sicherheitsschlüssel…',
  'signin.done.title': 'Identität bestätigt',
  'signin.done.text': 'Sie werden weitergeleitet…',

  // ---- enrollment
  'enroll.title': 'Bestätigungsmethode hinzufügen',
  'enroll.starting': 'Ihre Optionen werden abgerufen…',
  'enroll.choose.title': 'Bestätigungsmethode hinzufügen',
  'enroll.choose.intro': 'Wählen Sie, wie Sie bei der Anmeldung Ihre Identität bestätigen möchten.',
  'enroll.choose.none': 'Hier können Sie keine Methode hinzufügen.',
  'enroll.resume.title': 'Begonnene Einrichtung abschließen',
  'enroll.resume.item': 'Einrichtung fortsetzen: {name}',
  'enroll.resume.discard': '{name} entfernen',
  'enroll.resume.removed': '{name} wurde entfernt.',
  'enroll.limit.title': 'Sie haben die maximale Anzahl an Methoden erreicht',
  'enroll.limit.text':
    'Entfernen Sie eine Methode, die Sie nicht mehr verwenden, bevor Sie eine neue hinzufügen.',
  'enroll.phone.title': 'Telefonnummer hinzufügen',
  'enroll.phone.titleWhatsApp': 'WhatsApp-Nummer hinzufügen',
  'enroll.phone.label': 'Telefonnummer',
  'enroll.phone.hint': 'Mit Ländervorwahl, zum Beispiel +1 415 555 2671.',
  'enroll.phone.extension': 'Durchwahl (optional)',
  'enroll.phone.submit.SMS': 'Code per SMS senden',
  'enroll.phone.submit.VOICE': 'Code per Anruf erhalten',
  'enroll.phone.submit.WHATSAPP': 'Code per WhatsApp senden',
  'enroll.email.title': 'E-Mail-Adresse hinzufügen',
  'enroll.email.label': 'E-Mail-Adresse',
  'enroll.email.weaker':
    'E-Mail ist weniger sicher als eine Authenticator-App oder ein Passkey. Verwenden Sie sie nur, wenn Sie keine andere Wahl haben.',
  'enroll.email.submit': 'Code per E-Mail senden',
  'enroll.totp.title': 'Authenticator-App einrichten',
  'enroll.totp.scan': 'Scannen Sie diesen QR-Code mit Ihrer Authenticator-App.',
  'enroll.totp.manual':
    'Scannen nicht möglich? Geben Sie stattdessen diesen Schlüssel in der App ein:',
  'enroll.totp.keyLabel': 'Einrichtungsschlüssel',
  'enroll.totp.copy': 'Schlüssel kopieren',
  'enroll.totp.copied': 'Schlüssel kopiert.',
  'enroll.totp.copyFailed':
    'Der Schlüssel konnte nicht kopiert werden. Markieren Sie ihn und kopieren Sie ihn manuell.',
  'enroll.totp.openApp': 'In einer Authenticator-App auf diesem Gerät öffnen',
  'enroll.totp.enterCode': 'Geben Sie dann den Code ein, den die App anzeigt.',
  'enroll.fido.titlePasskey': 'Passkey erstellen',
  'enroll.fido.titleKey': 'Sicherheitsschlüssel registrieren',
  'enroll.fido.introPasskey':
    'Ihr Gerät fordert Sie auf, mit Fingerabdruck, Gesichtserkennung oder Displaysperre zu bestätigen.',
  'enroll.fido.introKey':
    'Halten Sie Ihren Sicherheitsschlüssel bereit. Ihr Browser fordert Sie auf, ihn zu berühren.',
  'enroll.fido.start': 'Weiter',
  'enroll.fido.waiting': 'Warten auf Ihren Passkey oder Sicherheitsschlüssel…',
  'enroll.oath.title': 'Hardware-Token hinzufügen',
  'enroll.oath.serial': 'Seriennummer',
  'enroll.oath.serialHint': 'Sie steht auf der Rückseite des Tokens.',
  'enroll.oath.codeTitle': 'Code Ihres Tokens eingeben',
  'enroll.oath.codeIntro': 'Drücken Sie die Taste am Token und geben Sie den angezeigten Code ein.',
  'enroll.oath.resync':
    'Der Token ist nicht synchron. Drücken Sie die Taste erneut und geben Sie den nächsten Code ein.',
  'enroll.code.title': 'Gesendeten Code eingeben',
  'enroll.code.sentTo': 'Wir haben einen Code an {target} gesendet.',
  'enroll.code.submit': 'Bestätigen',
  'enroll.nickname.title': 'Methode benennen',
  'enroll.nickname.label': 'Name',
  'enroll.nickname.hint':
    'Damit Sie Ihre Methoden unterscheiden können, zum Beispiel „Diensthandy“.',
  'enroll.done.title': '{method} ist eingerichtet',
  'enroll.done.text': 'Sie können die Methode bei Ihrer nächsten Anmeldung verwenden.',
  'enroll.stepUp':
    'Bestätigen Sie zuerst Ihre Identität mit einer Methode, die Sie bereits eingerichtet haben.',

  // ---- WebAuthn outcomes (the browser side of a ceremony)
  'webauthn.cancelled':
    'Die Anfrage wurde abgebrochen oder ist abgelaufen. Wählen Sie „Erneut versuchen“, sobald Sie bereit sind.',
  'webauthn.unsupported':
    'Dieser Browser kann hier keine Passkeys oder Sicherheitsschlüssel nutzen.',
  'webauthn.alreadyRegistered': 'Dieser Passkey oder Sicherheitsschlüssel ist bereits registriert.',
  'webauthn.failed':
    'Ihr Passkey oder Sicherheitsschlüssel konnte nicht verwendet werden. Versuchen Sie es erneut.',

  // ---- errors by stable code: the same code the relay answers with
  'error.BAD_REQUEST': 'Die Anfrage enthielt ungültige Angaben.',
  'error.INVALID_JSON': 'Die Anfrage enthielt ungültige Angaben.',
  'error.OTP_FORMAT': 'Geben Sie den Code nur mit Ziffern ein.',
  'error.OTP_INVALID': 'Der Code ist falsch.',
  'error.OTP_EXPIRED': 'Der Code ist abgelaufen. Fordern Sie einen neuen an.',
  'error.OTP_REPLAYED': 'Dieser Code wurde bereits verwendet. Warten Sie auf den nächsten.',
  'error.OATH_RESYNC_REQUIRED':
    'Der Token ist nicht synchron. Drücken Sie die Taste erneut und geben Sie den nächsten Code ein.',
  'error.PHONE_INVALID': 'Geben Sie eine gültige Mobilnummer mit Ländervorwahl ein.',
  'error.EMAIL_INVALID': 'Geben Sie eine gültige E-Mail-Adresse ein.',
  'error.CREDENTIAL_INVALID': 'Ihr Passkey oder Sicherheitsschlüssel wurde nicht akzeptiert.',
  'error.DEVICE_LIMIT': 'Sie haben die maximale Anzahl an Methoden erreicht.',
  'error.DELIVERY_FAILED':
    'Der Code konnte nicht zugestellt werden. Prüfen Sie die Nummer oder Adresse.',
  'error.SESSION_REQUIRED': 'Ihre Sitzung ist abgelaufen. Melden Sie sich erneut an.',
  'error.TICKET_INVALID': 'Dieser Anmeldelink ist ungültig. Melden Sie sich erneut an.',
  'error.TICKET_EXPIRED': 'Dieser Anmeldelink ist abgelaufen. Melden Sie sich erneut an.',
  'error.TICKET_REPLAYED': 'Dieser Anmeldelink wurde bereits verwendet. Melden Sie sich erneut an.',
  'error.REAUTH_REQUIRED':
    'Bestätigen Sie Ihre Identität mit einer Methode, die Sie bereits eingerichtet haben.',
  'error.CSRF_REJECTED':
    'Die Anfrage wurde zu Ihrer Sicherheit blockiert. Laden Sie die Seite neu.',
  'error.ORIGIN_FORBIDDEN':
    'Die Anfrage wurde zu Ihrer Sicherheit blockiert. Laden Sie die Seite neu.',
  'error.PURPOSE_FORBIDDEN': 'Dieser Schritt ist hier nicht verfügbar.',
  'error.FACTOR_NOT_ALLOWED': 'Diese Methode ist nicht zulässig.',
  'error.NOT_FOUND': 'Das wurde nicht gefunden.',
  'error.DEVICE_NOT_FOUND': 'Diese Methode gibt es nicht mehr.',
  'error.AUTHENTICATION_NOT_FOUND':
    'Dieser Bestätigungsvorgang ist beendet. Beginnen Sie von vorn.',
  'error.METHOD_NOT_ALLOWED': 'Das ist nicht möglich.',
  'error.INVALID_STATE': 'Dieser Schritt ist gerade nicht möglich. Beginnen Sie von vorn.',
  'error.BODY_TOO_LARGE': 'Ein Teil der Anfrage war zu groß.',
  'error.UNSUPPORTED_MEDIA_TYPE': 'Die Anfrage enthielt ungültige Angaben.',
  'error.AUTHENTICATOR_LOCKED': 'Zu viele falsche Codes. Versuchen Sie es später erneut.',
  'error.RATE_LIMITED':
    'Zu viele Versuche. Warten Sie einen Moment und versuchen Sie es dann erneut.',
  'error.RESEND_TOO_SOON': 'Warten Sie kurz, bevor Sie einen weiteren Code anfordern.',
  'error.INTERNAL': 'Bei uns ist ein Fehler aufgetreten. Versuchen Sie es erneut.',
  'error.UPSTREAM_UNAVAILABLE':
    'Der Bestätigungsdienst ist nicht erreichbar. Versuchen Sie es gleich noch einmal.',
  'error.UPSTREAM_TIMEOUT':
    'Der Bestätigungsdienst hat nicht rechtzeitig geantwortet. Versuchen Sie es erneut.',
  'error.NETWORK':
    'Sie scheinen offline zu sein. Prüfen Sie Ihre Verbindung und versuchen Sie es erneut.',
  'error.TIMEOUT': 'Das dauert zu lange. Prüfen Sie Ihre Verbindung und versuchen Sie es erneut.',
  'error.BAD_RESPONSE':
    'Der Bestätigungsdienst hat eine Antwort gesendet, die wir nicht lesen konnten.',
  'error.ABORTED': 'Die Anfrage wurde abgebrochen.',
};
export default messages;
