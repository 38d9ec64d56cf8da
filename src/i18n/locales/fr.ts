/**
 * French. Addresses the user with « vous ». French typography puts a no-break space before `:`
 * and inside « », a narrow no-break space before `?`; they are written as `\u00a0` and `\u202f`
 * so they stay visible in the source.
 * @module
 */
import type { Messages } from '../types.ts';

const messages: Messages = {
  // ---- shared
  'common.region': 'Authentification multifacteur',
  'common.working': 'Veuillez patienter…',
  'common.continue': 'Continuer',
  'common.back': 'Retour',
  'common.cancel': 'Annuler',
  'common.retry': 'Réessayer',
  'common.fatalTitle': 'Impossible de continuer',
  'common.countdown': '{minutes}:{seconds}',

  // ---- device and method names
  'method.SMS': 'SMS',
  'method.VOICE': 'Appel vocal',
  'method.EMAIL': 'E-mail',
  'method.WHATSAPP': 'WhatsApp',
  'method.TOTP': 'Application d’authentification',
  'method.FIDO2': 'Clé d’accès ou clé de sécurité',
  'method.OATH_TOKEN': 'Jeton matériel',
  'method.description.SMS': 'Nous envoyons un code par SMS sur votre téléphone.',
  'method.description.VOICE': 'Nous vous appelons pour vous dicter un code.',
  'method.description.EMAIL':
    'Nous vous envoyons un code par e-mail. Moins sûr que les autres méthodes.',
  'method.description.WHATSAPP': 'Nous vous envoyons un code sur WhatsApp.',
  'method.description.TOTP':
    'Des codes générés par une application comme 1Password, Authy ou Google Authenticator.',
  'method.description.FIDO2':
    'Votre empreinte digitale, votre visage, le verrouillage de l’écran ou une clé matérielle.',
  'method.description.OATH_TOKEN': 'Un jeton doté d’un numéro de série qui affiche des codes.',
  'method.weaker': 'Moins sûr',
  'method.recommended': 'Recommandé',

  // ---- building blocks
  'otp.label': 'Code de vérification',
  'otp.hint': 'Saisissez le code à {length} chiffres.',
  'otp.hintRange': 'Saisissez le code à {min} ou {max} chiffres.',
  'qr.label': 'QR code à scanner avec votre application d’authentification',
  'qr.failed': 'Impossible d’afficher le QR code. Saisissez plutôt la clé manuellement.',
  'devicePicker.label': 'Vos méthodes de vérification',
  'devicePicker.default': 'Par défaut',
  'devicePicker.lockedUntil': 'Bloqué jusqu’à {time}',
  'devicePicker.serial': 'Numéro de série {serial}',
  'methodPicker.label': 'Méthodes de vérification que vous pouvez ajouter',

  // ---- sign-in
  'signin.title': 'Confirmez votre identité',
  'signin.starting': 'Récupération de vos méthodes de vérification…',
  'signin.choose.title': 'Choisissez une méthode de vérification',
  'signin.choose.intro': 'Sélectionnez l’une de vos méthodes de vérification.',
  'signin.code.title.SMS': 'Saisissez le code reçu par SMS',
  'signin.code.title.VOICE': 'Saisissez le code dicté lors de notre appel',
  'signin.code.title.EMAIL': 'Saisissez le code reçu par e-mail',
  'signin.code.title.WHATSAPP': 'Saisissez le code reçu sur WhatsApp',
  'signin.code.title.TOTP': 'Saisissez le code de votre application d’authentification',
  'signin.code.title.OATH_TOKEN': 'Saisissez le code de votre jeton matériel',
  'signin.code.sentTo.SMS': 'Nous avons envoyé un code au {target}.',
  'signin.code.sentTo.VOICE': 'Nous appelons le {target} pour vous donner votre code.',
  'signin.code.sentTo.EMAIL': 'Nous avons envoyé un code à {target}.',
  'signin.code.sentTo.WHATSAPP': 'Nous avons envoyé un code au {target} sur WhatsApp.',
  'signin.code.app': 'Ouvrez {name} et saisissez le code actuellement affiché.',
  'signin.code.appUnnamed':
    'Ouvrez votre application d’authentification et saisissez le code actuellement affiché.',
  'signin.code.token': 'Appuyez sur le bouton du jeton {serial} et saisissez le code affiché.',
  'signin.code.tokenUnnamed': 'Appuyez sur le bouton de votre jeton et saisissez le code affiché.',
  'signin.code.submit': 'Vérifier',
  // `one` also covers 0 in French, so it shows the count.
  'signin.code.attemptsRemaining': {
    one: 'Ce code est incorrect. Il vous reste {count} tentative.',
    many: 'Ce code est incorrect. Il vous reste {count} de tentatives.',
    other: 'Ce code est incorrect. Il vous reste {count} tentatives.',
  },
  'signin.code.locked': 'Trop de codes erronés. Vous pourrez réessayer dans {time}.',
  'signin.code.unlocked': 'Vous pouvez réessayer maintenant.',
  'signin.resend': 'Envoyer un nouveau code',
  'signin.resendIn': 'Envoyer un nouveau code dans {time}',
  'signin.resent': 'Nous avons envoyé un nouveau code.',
  'signin.callInstead': 'Recevoir plutôt un appel',
  'signin.otherMethod': 'Utiliser une autre méthode',
  'signin.remember': 'Ne plus me demander sur ce navigateur',
  'signin.fido.title': 'Utilisez votre clé d’accès ou votre clé de sécurité',
  'signin.fido.intro':
    'Lorsque vous le souhaitez, sélectionnez «\u00a0Continuer\u00a0» et suivez les instructions de votre navigateur.',
  'signin.fido.start': 'Continuer',
  'signin.fido.waiting': 'En attente de votre clé d’accès ou de votre clé de sécurité…',
  'signin.done.title': 'Identité confirmée',
  'signin.done.text': 'Redirection en cours…',

  // ---- enrollment
  'enroll.title': 'Ajouter une méthode de vérification',
  'enroll.starting': 'Récupération de vos options…',
  'enroll.choose.title': 'Ajouter une méthode de vérification',
  'enroll.choose.intro': 'Choisissez comment confirmer votre identité lors de la connexion.',
  'enroll.choose.none': 'Aucune méthode ne peut être ajoutée ici.',
  'enroll.resume.title': 'Terminez ce que vous avez commencé',
  'enroll.resume.item': 'Reprendre la configuration\u00a0: {name}',
  'enroll.resume.discard': 'Supprimer {name}',
  'enroll.resume.removed': '{name} a été supprimé.',
  'enroll.limit.title': 'Vous avez atteint le nombre maximal de méthodes',
  'enroll.limit.text':
    'Supprimez une méthode que vous n’utilisez plus avant d’en ajouter une autre.',
  'enroll.phone.title': 'Ajoutez votre numéro de téléphone',
  'enroll.phone.titleWhatsApp': 'Ajoutez votre numéro WhatsApp',
  'enroll.phone.label': 'Numéro de téléphone',
  'enroll.phone.hint': 'Indiquez l’indicatif du pays, par exemple +1 415 555 2671.',
  'enroll.phone.extension': 'Poste (facultatif)',
  'enroll.phone.submit.SMS': 'M’envoyer un code par SMS',
  'enroll.phone.submit.VOICE': 'M’appeler pour recevoir un code',
  'enroll.phone.submit.WHATSAPP': 'M’envoyer un code sur WhatsApp',
  'enroll.email.title': 'Ajoutez votre adresse e-mail',
  'enroll.email.label': 'Adresse e-mail',
  'enroll.email.weaker':
    'L’e-mail est moins sûr qu’une application d’authentification ou une clé d’accès. Ne l’utilisez qu’en dernier recours.',
  'enroll.email.submit': 'M’envoyer un code par e-mail',
  'enroll.totp.title': 'Configurez votre application d’authentification',
  'enroll.totp.scan': 'Scannez ce QR code avec votre application d’authentification.',
  'enroll.totp.manual':
    'Impossible de le scanner\u202f? Saisissez plutôt cette clé dans l’application\u00a0:',
  'enroll.totp.keyLabel': 'Clé de configuration',
  'enroll.totp.copy': 'Copier la clé',
  'enroll.totp.copied': 'Clé copiée.',
  'enroll.totp.copyFailed':
    'Impossible de copier la clé. Sélectionnez-la et copiez-la manuellement.',
  'enroll.totp.openApp': 'Ouvrir dans une application d’authentification sur cet appareil',
  'enroll.totp.enterCode': 'Saisissez ensuite le code affiché par l’application.',
  'enroll.fido.titlePasskey': 'Créez une clé d’accès',
  'enroll.fido.titleKey': 'Enregistrez votre clé de sécurité',
  'enroll.fido.introPasskey':
    'Votre appareil vous demandera de confirmer avec votre empreinte digitale, votre visage ou le verrouillage de l’écran.',
  'enroll.fido.introKey':
    'Munissez-vous de votre clé de sécurité. Votre navigateur vous demandera de la toucher.',
  'enroll.fido.start': 'Continuer',
  'enroll.fido.waiting': 'En attente de votre clé d’accès ou de votre clé de sécurité…',
  'enroll.oath.title': 'Ajoutez votre jeton matériel',
  'enroll.oath.serial': 'Numéro de série',
  'enroll.oath.serialHint': 'Il est imprimé au dos du jeton.',
  'enroll.oath.codeTitle': 'Saisissez le code de votre jeton',
  'enroll.oath.codeIntro': 'Appuyez sur le bouton du jeton et saisissez le code affiché.',
  'enroll.oath.resync':
    'Le jeton est désynchronisé. Appuyez de nouveau sur le bouton et saisissez le code suivant.',
  'enroll.code.title': 'Saisissez le code envoyé',
  'enroll.code.sentTo': 'Nous avons envoyé un code à {target}.',
  'enroll.code.submit': 'Vérifier',
  'enroll.nickname.title': 'Nommez cette méthode',
  'enroll.nickname.label': 'Nom',
  'enroll.nickname.hint': 'Pour distinguer vos méthodes, par exemple «\u00a0Téléphone pro\u00a0».',
  // A label rather than a sentence: the method names differ in gender.
  'enroll.done.title': 'Méthode ajoutée\u00a0: {method}',
  'enroll.done.text': 'Vous pourrez l’utiliser lors de votre prochaine connexion.',
  'enroll.stepUp': 'Confirmez d’abord votre identité avec une méthode que vous avez déjà.',

  // ---- WebAuthn outcomes (the browser side of a ceremony)
  'webauthn.cancelled':
    'La demande a été annulée ou a expiré. Sélectionnez «\u00a0Réessayer\u00a0» lorsque vous le souhaitez.',
  'webauthn.unsupported':
    'Ce navigateur ne peut pas utiliser de clés d’accès ni de clés de sécurité ici.',
  'webauthn.alreadyRegistered': 'Cette clé d’accès ou clé de sécurité est déjà enregistrée.',
  'webauthn.failed': 'Impossible d’utiliser votre clé d’accès ou votre clé de sécurité. Réessayez.',

  // ---- errors by stable code: the same code the relay answers with
  'error.BAD_REQUEST': 'Un élément de la demande n’est pas valide.',
  'error.INVALID_JSON': 'Un élément de la demande n’est pas valide.',
  'error.OTP_FORMAT': 'Saisissez le code en chiffres uniquement.',
  'error.OTP_INVALID': 'Ce code est incorrect.',
  'error.OTP_EXPIRED': 'Ce code a expiré. Demandez-en un nouveau.',
  'error.OTP_REPLAYED': 'Ce code a déjà été utilisé. Attendez le suivant.',
  'error.OATH_RESYNC_REQUIRED':
    'Le jeton est désynchronisé. Appuyez de nouveau sur le bouton et saisissez le code suivant.',
  'error.PHONE_INVALID': 'Saisissez un numéro de mobile valide, avec l’indicatif du pays.',
  'error.EMAIL_INVALID': 'Saisissez une adresse e-mail valide.',
  'error.CREDENTIAL_INVALID': 'Votre clé d’accès ou votre clé de sécurité n’a pas été acceptée.',
  'error.DEVICE_LIMIT': 'Vous avez atteint le nombre maximal de méthodes.',
  'error.DELIVERY_FAILED': 'Impossible d’envoyer le code. Vérifiez le numéro ou l’adresse.',
  'error.SESSION_REQUIRED': 'Votre session a expiré. Reconnectez-vous.',
  'error.TICKET_INVALID': 'Ce lien de connexion n’est pas valide. Reconnectez-vous.',
  'error.TICKET_EXPIRED': 'Ce lien de connexion a expiré. Reconnectez-vous.',
  'error.TICKET_REPLAYED': 'Ce lien de connexion a déjà été utilisé. Reconnectez-vous.',
  'error.REAUTH_REQUIRED': 'Confirmez votre identité avec une méthode que vous avez déjà.',
  'error.CSRF_REJECTED': 'La demande a été bloquée pour votre sécurité. Rechargez la page.',
  'error.ORIGIN_FORBIDDEN': 'La demande a été bloquée pour votre sécurité. Rechargez la page.',
  'error.PURPOSE_FORBIDDEN': 'Cette étape n’est pas disponible ici.',
  'error.FACTOR_NOT_ALLOWED': 'Cette méthode n’est pas autorisée.',
  'error.NOT_FOUND': 'Élément introuvable.',
  'error.DEVICE_NOT_FOUND': 'Cette méthode n’existe plus.',
  'error.AUTHENTICATION_NOT_FOUND': 'Cette vérification est terminée. Recommencez.',
  'error.METHOD_NOT_ALLOWED': 'Cette action n’est pas possible.',
  'error.INVALID_STATE': 'Cette étape n’est pas possible pour le moment. Recommencez.',
  'error.BODY_TOO_LARGE': 'Un élément de la demande est trop volumineux.',
  'error.UNSUPPORTED_MEDIA_TYPE': 'Un élément de la demande n’est pas valide.',
  'error.AUTHENTICATOR_LOCKED': 'Trop de codes erronés. Réessayez plus tard.',
  'error.RATE_LIMITED': 'Trop de tentatives. Patientez un instant, puis réessayez.',
  'error.RESEND_TOO_SOON': 'Patientez un peu avant de demander un autre code.',
  'error.INTERNAL': 'Un problème est survenu de notre côté. Réessayez.',
  'error.UPSTREAM_UNAVAILABLE':
    'Le service de vérification est indisponible. Réessayez dans quelques instants.',
  'error.UPSTREAM_TIMEOUT': 'Le service de vérification n’a pas répondu à temps. Réessayez.',
  'error.NETWORK': 'Vous semblez être hors ligne. Vérifiez votre connexion, puis réessayez.',
  'error.TIMEOUT': 'Cela prend trop de temps. Vérifiez votre connexion, puis réessayez.',
  'error.BAD_RESPONSE': 'Le service de vérification a renvoyé une réponse illisible.',
  'error.ABORTED': 'La demande a été annulée.',
};
export default messages;
