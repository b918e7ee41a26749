"""The workbook contract: every sheet and column label in one place, French first.

A user may write the French label, the English one or a listed alias, in any
case, with or without accents and punctuation (``N° facture``, ``n facture``,
``Invoice number`` are the same column). Columns may come in any order; columns
Relance does not know are the user's own and are left alone.

``Column.key`` is the English identifier code uses; ``fr`` is what the template
writes; ``en`` and ``aliases`` are accepted when reading. Computed columns are
written by Relance (``register.write``) and never read as input.

Sheet kinds: ``input`` (typed by the user, shipped as an Excel Table),
``settings`` (key/value), ``generated`` (rewritten whole by Relance) and
``log`` (the Journal: appended by Relance, call notes typed by the user).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Iterable

KINDS = ("text", "date", "money", "percent", "int", "bool", "choice", "email")


@dataclass(frozen=True)
class Column:
    key: str  # English identifier, e.g. "number"
    fr: str
    en: str
    kind: str = "text"  # one of KINDS
    required: bool = False
    computed: bool = False
    choices: tuple[str, ...] = ()
    help: str = ""  # French, shown as the header's comment
    aliases: tuple[str, ...] = ()
    width: float = 14.0


@dataclass(frozen=True)
class Sheet:
    key: str
    fr: str
    en: str
    columns: tuple[Column, ...]
    kind: str  # input | generated | settings | log
    help: str = ""
    aliases: tuple[str, ...] = ()

    @property
    def table(self) -> str:
        """The Excel Table name the template gives an input sheet, e.g. ``tblFactures``."""
        return "tbl" + re.sub(r"[^A-Za-z0-9]", "", _strip_accents(self.fr))

    def column(self, key: str) -> Column:
        for c in self.columns:
            if c.key == key:
                return c
        raise KeyError(f"{self.key}: no column {key!r}")


# --- choices -------------------------------------------------------------------

CLIENT_TYPES = ("Professionnel", "Administration", "Particulier")
LANGUAGES = ("fr", "en")
YES_NO = ("Oui", "Non")
PAYMENT_METHODS = ("Virement", "Prélèvement SEPA", "Carte", "Chèque", "Espèces", "Lien de paiement")
CHANNELS = ("E-mail", "Appel", "Courrier", "Mise en demeure")
CALL_OUTCOMES = ("Promesse de paiement", "Litige", "Injoignable", "Paiement annoncé", "Autre")
# The settings' modes as the Paramètres drop-downs offer them (French); the model keeps a code
# (``SETTING_CODES``), and the loader reads the English codes too (load._SETTING_WORDS).
SMTP_SECURITY = ("starttls", "ssl", "aucune")
PENALTY_MODES = ("taux légal", "contrat")
BELOW_FLOOR = ("taux légal par défaut", "plancher", "contrat")
IMPUTATIONS = ("capital d'abord", "intérêts d'abord")
SETTING_CODES: dict[str, dict[str, str]] = {
    "smtp_security": dict(zip(SMTP_SECURITY, ("starttls", "ssl", "none"))),
    "penalty_mode": dict(zip(PENALTY_MODES, ("legal", "contract"))),
    "below_floor_policy": dict(zip(BELOW_FLOOR, ("legal_default", "floor", "contract"))),
    "imputation": dict(zip(IMPUTATIONS, ("principal", "interest_first"))),
}


def setting_label(key: str, code: object) -> object:
    """The French drop-down value of a setting's code (``legal`` → « taux légal »); other values as they are."""
    for label, value in SETTING_CODES.get(key, {}).items():
        if value == code:
            return label
    return code
# Payment terms offered in the template's drop-downs: common wordings, all read by
# due_dates.parse_terms; any other wording it reads may be typed too.
TERMS_SUGGESTED = ("à réception", "30 jours", "45 jours", "60 jours", "30 jours fin de mois",
                   "45 jours fin de mois", "fin de mois 45 jours")

_COMPUTED = "Calculé par Relance — ne pas saisir. "

# What a person writes in the Résultat column of Journal (a drop-down that suggests, Relance
# writes other labels).
JOURNAL_RESULTS = ("envoyé", "à renvoyer")

# --- Paramètres ------------------------------------------------------------------

# Each setting is a Column whose key is the model.Settings field it fills.
SETTING_KEYS: tuple[Column, ...] = (
    Column("company", "Raison sociale", "Company name", help="Nom de votre entreprise, tel qu'il apparaît sur les factures."),
    Column("siren", "SIREN", "SIREN", help="Numéro SIREN à 9 chiffres.", aliases=("SIRET",)),
    Column("address", "Adresse", "Address", help="Adresse postale complète (courriers et mises en demeure)."),
    Column("iban", "IBAN", "IBAN", help="IBAN du compte à créditer, cité dans les relances."),
    Column("bic", "BIC", "BIC", help="BIC de votre banque."),
    Column("sender_email", "E-mail expéditeur", "Sender email", "email",
           help="Adresse d'envoi des relances.", aliases=("E-mail", "Email expediteur")),
    Column("sender_name", "Nom expéditeur", "Sender name", help="Nom qui signe les relances."),
    Column("phone", "Téléphone", "Phone", help="Téléphone cité dans les relances.", aliases=("Telephone", "Tel")),
    Column("payment_link", "Lien de paiement", "Payment link",
           help="Lien de paiement en ligne ; {invoice} et {reference} y sont remplacés."),
    Column("smtp_host", "Serveur SMTP", "SMTP server",
           help="Ex. ssl0.ovh.net, smtp.gmail.com, smtp.office365.com. Vide : les e-mails vont dans le dossier d'envoi (.eml).",
           aliases=("SMTP host",)),
    Column("smtp_port", "Port SMTP", "SMTP port", "int", help="587 (starttls) ou 465 (ssl)."),
    Column("smtp_user", "Utilisateur SMTP", "SMTP user",
           help="Identifiant SMTP. Le mot de passe ne s'écrit jamais ici : variable RELANCE_SMTP_PASSWORD ou trousseau du système."),
    Column("smtp_security", "Sécurité SMTP", "SMTP security", "choice", choices=SMTP_SECURITY,
           help="starttls (port 587), ssl (port 465) ou aucune (serveur local de test) ; none accepté."),
    Column("default_terms", "Conditions par défaut", "Default terms",
           help="Conditions de paiement quand ni la facture ni le client n'en donnent, ex. « 30 jours », « 45 jours fin de mois ».",
           aliases=("Default payment terms",)),
    Column("penalty_mode", "Mode de pénalité", "Penalty mode", "choice", choices=PENALTY_MODES,
           help="contrat (défaut) : le taux de pénalité de chaque facture quand il est rempli, sinon le taux légal ; "
                "taux légal : toujours le taux légal (BCE + 10 points), un taux saisi sur une facture est ignoré et signalé."),
    Column("below_floor_policy", "Taux sous le plancher", "Rate below floor", "choice", choices=BELOW_FLOOR,
           help="Taux contractuel inférieur à 3 × le taux légal : taux légal par défaut (taux BCE + 10 pts), plancher (3 × taux légal) ou contrat (le taux du contrat)."),
    Column("imputation", "Imputation des paiements", "Payment imputation", "choice", choices=IMPUTATIONS,
           help="capital d'abord : les paiements soldent d'abord le capital ; intérêts d'abord : d'abord les intérêts (Code civil 1343-1)."),
    Column("min_balance", "Seuil de relance (€)", "Reminder threshold (€)", "money",
           help="Un reste dû inférieur à ce montant n'est pas relancé.", aliases=("Seuil de relance",)),
    Column("reminder_deadline_days", "Délai accordé dans les relances (jours)", "Deadline given in reminders (days)",
           "int", help="Délai de paiement donné par les relances fermes et la mise en demeure ; l'étape suivante "
           "attend qu'il soit passé."),
    Column("backups", "Sauvegardes conservées", "Backups kept", "int",
           help="Nombre de copies de sauvegarde du classeur gardées avant chaque écriture."),
    Column("hold_days_late", "Blocage après jours de retard", "Hold after days late", "int",
           help="Politique de crédit : client à bloquer au-delà de ce nombre de jours de retard."),
    Column("hold_amount_overdue", "Blocage au-delà d'un montant échu", "Hold above overdue amount", "money",
           help="Politique de crédit : client à bloquer au-delà de ce montant échu impayé (vide : pas de seuil)."),
    Column("language", "Langue", "Language", "choice", choices=LANGUAGES, help="Langue par défaut des relances : fr ou en."),
    Column("sector_max_days", "Délai maximal du secteur (jours)", "Sector payment cap (days)", "int",
           help="Plafond légal plus court de votre secteur (transport, denrées périssables : 30) ; "
                "les conditions qui le dépassent sont signalées. Vide : pas de plafond de secteur."),
    Column("bcc_sender", "Copie cachée à l'expéditeur", "Bcc to sender", "bool", choices=YES_NO,
           help="Oui : chaque relance envoyée part aussi, en copie cachée, à l'adresse d'expéditeur, pour "
                "garder dans votre messagerie ce que le client a reçu. Non par défaut."),
)

# A settings key that looks like a secret: refused, never read.
# Matched against normalize(key): lower case, no accents, words separated by one space.
PASSWORD_KEY = re.compile(r"\b(mots? ?de ?passe|pass|passe|password|passwort|passwd|pwd|secret|token|jeton|api ?key|cle d? ?api|mdp)\d*\b")

PARAMETRES = Sheet(
    "settings", "Paramètres", "Settings",
    (
        Column("key", "Paramètre", "Setting", required=True, width=34, aliases=("Clé", "Key", "Parametre")),
        Column("value", "Valeur", "Value", width=40, aliases=("Value",)),
        Column("description", "Description", "Description", width=80),
    ),
    "settings",
    help="Réglages de Relance : une ligne par paramètre. Jamais de mot de passe ici.",
    aliases=("Parametres", "Réglages", "Options"),
)

# --- Clients ---------------------------------------------------------------------

CLIENTS = Sheet(
    "clients", "Clients", "Clients",
    (
        Column("code", "Code client", "Client code", required=True, help="Code unique du client, repris dans Factures et Paiements.",
               aliases=("Code", "Customer code", "Client ID"), width=14),
        Column("name", "Nom", "Name", required=True, help="Raison sociale ou nom du client.",
               aliases=("Raison sociale", "Client", "Customer", "Nom du client"), width=30),
        Column("type", "Type", "Type", "choice", choices=CLIENT_TYPES,
               help="Professionnel, Administration ou Particulier : décide des pénalités et de l'indemnité de 40 €. Vide : Professionnel.",
               aliases=("Type de client", "Client type"), width=16),
        Column("email", "E-mail", "Email", "email", help="Adresse(s) de relance, séparées par « ; ».",
               aliases=("Email", "Courriel", "Mail", "Adresse e-mail"), width=28),
        Column("email_cc", "E-mail copie", "CC email", "email", help="Adresse(s) en copie, séparées par « ; ».",
               aliases=("Email copie", "Copie", "Cc", "Email CC"), width=24),
        Column("language", "Langue", "Language", "choice", choices=LANGUAGES, help="fr ou en. Vide : la langue de Paramètres.", width=9),
        Column("terms", "Conditions de paiement", "Payment terms",
               help="Ex. « 30 jours », « 45 jours fin de mois ». Vide : les conditions par défaut (Paramètres).",
               aliases=("Conditions", "Terms", "Délai de paiement"), width=22),
        Column("scenario", "Scénario", "Scenario", "choice",
               help="Scénario de relance (feuille Scénarios). Vide : celui du type de client.", width=16),
        Column("credit_limit", "Plafond d'encours", "Credit limit", "money", help="Encours maximum accordé (facultatif).",
               aliases=("Plafond", "Encours maximum"), width=16),
        Column("on_hold", "Relances suspendues", "Reminders on hold", "bool", choices=YES_NO,
               help="Oui : aucune relance n'est envoyée à ce client.", aliases=("Suspendu", "On hold"), width=12),
        Column("notes", "Notes", "Notes", help="Vos notes libres.", aliases=("Commentaire", "Comment"), width=30),
        Column("siren", "SIREN", "SIREN", help="SIREN du client (facultatif), repris dans les mises en demeure.",
               aliases=("SIRET",), width=14),
        Column("address", "Adresse", "Address",
               help="Adresse postale du client (facultative), imprimée sur la mise en demeure.",
               aliases=("Adresse postale", "Postal address"), width=36),
        Column("phone", "Téléphone", "Phone", help="Numéro à appeler pour les relances téléphoniques (facultatif).",
               aliases=("Tél", "Tel", "Téléphone comptabilité", "Phone number"), width=16),
        Column("vat_number", "N° TVA", "VAT number",
               help="Numéro de TVA intracommunautaire du client (facultatif) : l'import des factures électroniques "
                    "reconnaît le client par lui, son SIREN ou son nom.",
               aliases=("TVA intracommunautaire", "N° TVA intracommunautaire", "Numéro de TVA", "VAT ID"), width=18),
        Column("iban", "IBAN", "IBAN",
               help="IBAN(s) d'où paie le client, séparés par « ; » (facultatif) : l'import des relevés "
                    "reconnaît ses virements ; Relance l'ajoute quand vous confirmez un rapprochement.",
               aliases=("IBAN payeur", "IBANs"), width=30),
    ),
    "input",
    help="Vos clients : un code unique par ligne.",
    aliases=("Customers",),
)

# --- Factures --------------------------------------------------------------------

FACTURES = Sheet(
    "invoices", "Factures", "Invoices",
    (
        Column("number", "N° facture", "Invoice number", required=True,
               help="Numéro unique de la facture. Un avoir commence par « AV » (ou a un montant HT et TTC négatifs).",
               aliases=("Numéro de facture", "Numéro facture", "No facture", "N° de facture", "Facture", "Invoice no", "Invoice", "Number"),
               width=14),
        Column("client", "Code client", "Client code", required=True, help="Code du client (feuille Clients).",
               aliases=("Code", "Customer code", "Client"), width=12),
        Column("issued", "Date facture", "Invoice date", "date", required=True, help="Date d'émission (jj/mm/aaaa).",
               aliases=("Date de facture", "Date d'émission", "Date"), width=12),
        Column("delivered", "Date livraison", "Delivery date", "date",
               help="Date de livraison ou d'exécution (utile sans conditions convenues : 30 jours après livraison).",
               aliases=("Date de livraison", "Date d'exécution"), width=12),
        Column("amount_ht", "Montant HT", "Amount excl. VAT", "money", help="Montant hors taxes.",
               aliases=("HT", "Net amount", "Amount excl VAT", "Total HT"), width=14),
        Column("amount_ttc", "Montant TTC", "Amount incl. VAT", "money", required=True,
               help="Montant toutes taxes comprises, base des pénalités. Négatif : avoir.",
               aliases=("TTC", "Total TTC", "Gross amount", "Amount incl VAT", "Amount", "Montant"), width=14),
        Column("terms", "Conditions de paiement", "Payment terms",
               help="Vide : celles du client, sinon celles des Paramètres.", aliases=("Conditions", "Terms"), width=20),
        Column("penalty_rate", "Taux de pénalité", "Penalty rate", "percent",
               help="Taux contractuel annuel (ex. 12 %). Vide : taux légal (BCE + 10 points).",
               aliases=("Taux de penalites", "Taux contractuel"), width=12),
        Column("discount_rate", "Escompte", "Early payment discount", "percent",
               help="Escompte pour paiement anticipé, en % du HT (2 % au plus).", aliases=("Discount",), width=10),
        Column("po_number", "Bon de commande", "PO number", help="N° de bon de commande du client, cité dans chaque relance.",
               aliases=("N° de commande", "N° bon de commande", "Purchase order", "PO"), width=16),
        Column("dispute", "Litige", "Dispute", help="Motif du litige. Rempli : relances suspendues pour cette facture.",
               aliases=("Motif de litige",), width=20),
        Column("promise", "Promesse de paiement", "Payment promise", "date",
               help="Date promise par le client : relances suspendues jusqu'à cette date.", aliases=("Promise date",), width=14),
        Column("notice_date", "Date de mise en demeure", "Formal notice date", "date",
               help="Date de réception de la mise en demeure (les intérêts d'un particulier courent à partir d'elle).",
               aliases=("Mise en demeure",), width=14),
        Column("due", "Échéance", "Due date", "date", computed=True, help=_COMPUTED + "Date facture + conditions de paiement.", width=12),
        Column("paid", "Payé", "Paid", "money", computed=True, help=_COMPUTED + "Somme des paiements imputés à la facture.", width=14),
        Column("balance", "Reste dû", "Balance", "money", computed=True, help=_COMPUTED + "Montant TTC − avoirs liés (Facture d'origine) − Payé.", width=14),
        Column("status", "Statut", "Status", computed=True,
               help=_COMPUTED + "À échoir, En retard, Payée, En litige, Promesse de paiement, Avoir ou Erreur.", width=16),
        Column("days_late", "Jours de retard", "Days late", "int", computed=True,
               help=_COMPUTED + "Jours depuis l'échéance (à la date du paiement pour une facture soldée).", width=10),
        Column("interest", "Intérêts de retard", "Late interest", "money", computed=True,
               help=_COMPUTED + "Reste dû × taux × jours / 365, taux BCE + 10 points par semestre (L441-10).", width=14),
        Column("indemnity", "Indemnité forfaitaire", "Recovery indemnity", "money", computed=True,
               help=_COMPUTED + "40 € par facture payée en retard par un professionnel (D441-5).", width=12),
        Column("next_action", "Prochaine action", "Next action", computed=True, help=_COMPUTED + "Prochaine étape du scénario de relance.", width=20),
        Column("next_action_date", "Date prochaine action", "Next action date", "date", computed=True,
               help=_COMPUTED + "Date de la prochaine étape.", width=12),
        Column("last_reminder", "Dernière relance", "Last reminder", "date", computed=True,
               help=_COMPUTED + "Date de la dernière relance du Journal.", width=12),
        Column("corrects", "Facture d'origine", "Original invoice",
               help="Pour un avoir : le n° de la facture qu'il corrige. Rempli : l'avoir réduit le reste dû de "
                    "cette facture et la base de ses intérêts à partir de sa date ; vide : un crédit du client.",
               aliases=("Facture corrigée", "Facture initiale", "Corrected invoice", "Credited invoice"), width=14),
        Column("received", "Date de réception", "Receipt date", "date",
               help="Acheteur public : date de réception de la facture (Chorus Pro : date de dépôt). Le délai de "
                    "paiement court de cette date (R2192-12 CCP) ; vide : date de facture + 2 jours (R2192-14).",
               aliases=("Date de dépôt", "Date de dépôt Chorus Pro", "Date de réception de la facture",
                        "Deposit date"), width=12),
        Column("currency", "Devise", "Currency",
               help="Code ISO de la devise de la facture (EUR, USD…), repris des factures électroniques. "
                    "Vide : euro. Relance compte tous les montants en euros.", aliases=("Currency code",), width=8),
    ),
    "input",
    help="Vos factures et avoirs : une ligne par facture. Les colonnes grisées sont calculées.",
    aliases=("Invoices",),
)

# --- Paiements -------------------------------------------------------------------

PAIEMENTS = Sheet(
    "payments", "Paiements", "Payments",
    (
        Column("paid_on", "Date", "Date", "date", required=True, help="Date de réception du paiement.",
               aliases=("Date de paiement", "Payment date", "Date paiement"), width=12),
        Column("client", "Code client", "Client code", required=True, help="Code du client qui paie.",
               aliases=("Code", "Customer code", "Client"), width=12),
        Column("invoice", "N° facture", "Invoice number",
               help="Facture réglée. Vide : imputé sur la facture échue la plus ancienne (Code civil 1342-10).",
               aliases=("Numéro de facture", "No facture", "N° de facture", "Facture", "Invoice"), width=14),
        Column("amount", "Montant", "Amount", "money", required=True, help="Montant reçu (positif).",
               aliases=("Montant reçu", "Montant payé"), width=14),
        Column("method", "Mode", "Method", "choice", choices=PAYMENT_METHODS,
               help="Virement, Prélèvement SEPA, Carte, Chèque, Espèces, Lien de paiement.",
               aliases=("Mode de paiement", "Moyen de paiement", "Payment method"), width=16),
        Column("reference", "Référence", "Reference", help="Référence du virement ou n° de chèque.",
               aliases=("Ref", "Libellé"), width=24),
    ),
    "input",
    help="Les paiements reçus : une ligne par encaissement.",
    aliases=("Reglements", "Règlements"),
)

# --- Échéanciers -----------------------------------------------------------------

ECHEANCIERS = Sheet(
    "plans", "Échéanciers", "Plans",
    (
        Column("plan", "N° plan", "Plan number", required=True, help="Identifiant du plan (acompte, jalons ou échelonnement).",
               aliases=("Plan", "Numéro de plan", "Plan no"), width=12),
        Column("client", "Code client", "Client code", required=True, help="Code du client.",
               aliases=("Code", "Customer code", "Client"), width=12),
        Column("label", "Objet", "Purpose", help="Objet du plan, ex. « Site vitrine ».", aliases=("Subject", "Description"), width=24),
        Column("total", "Montant total", "Total amount", "money", help="Montant total du plan (TTC).", aliases=("Total",), width=14),
        Column("step", "Étape", "Step", required=True, help="Nom de l'étape, ex. « Acompte », « Jalon 1 », « Solde ».", width=14),
        Column("percent", "Pourcentage", "Percentage", "percent", help="Part du total pour cette étape (ex. 30 %).",
               aliases=("%", "Percent"), width=12),
        Column("amount", "Montant", "Amount", "money", help="Montant de l'étape (sinon calculé depuis le pourcentage).", width=14),
        Column("due", "Échéance", "Due date", "date", help="Date prévue de l'étape.", aliases=("Date",), width=12),
        Column("invoice", "N° facture", "Invoice number", help="Facture émise pour cette étape ou facture échelonnée.",
               aliases=("No facture", "Facture", "Invoice"), width=14),
        Column("step_status", "Statut de l'étape", "Step status", computed=True,
               help=_COMPUTED + "À facturer, Facturée, Payée, En retard.", width=16),
        Column("suspends_penalties", "Pénalités suspendues", "Penalties suspended", "bool", choices=YES_NO,
               help="Échelonnement accordé après l'échéance : Oui si l'accord suspend les pénalités (chaque "
                    "échéance porte alors ses intérêts à partir de sa propre date) ; vide ou Non : les intérêts "
                    "courent depuis l'échéance d'origine, un échéancier ne les arrêtant que s'il le prévoit.",
               aliases=("Penalties suspended",), width=12),
    ),
    "input",
    help="Acomptes, paiements par étapes et échéanciers accordés : une ligne par étape.",
    aliases=("Echeanciers", "Payment plans"),
)

# --- Scénarios -------------------------------------------------------------------

SCENARIOS = Sheet(
    "scenarios", "Scénarios", "Scenarios",
    (
        Column("scenario", "Scénario", "Scenario", required=True, help="Nom du scénario, ex. « Professionnel ».", width=16),
        Column("step", "Étape", "Step", required=True, help="Nom stable de l'étape, ex. « J+7 ».", width=12),
        Column("offset_days", "Jours après échéance", "Days after due date", "int", required=True,
               help="Jours après l'échéance ; négatif : avant l'échéance.", width=12),
        Column("channel", "Canal", "Channel", "choice", required=True, choices=CHANNELS,
               help="E-mail, Appel, Courrier ou Mise en demeure.", width=16),
        Column("template", "Modèle", "Template", help="Modèle d'e-mail (dossier mail_templates), ex. « relance_1 ».", width=16),
        Column("min_gap_days", "Écart minimum (jours)", "Minimum gap (days)", "int",
               help="Jours minimum depuis la relance précédente de ce client.", width=12),
        Column("min_previous", "Relances préalables minimum", "Minimum previous reminders", "int",
               help="Relances déjà envoyées avant d'autoriser cette étape (mise en demeure : 3).", width=14),
    ),
    "input",
    help="Calendrier des relances par profil de client.",
)

# --- Journal ---------------------------------------------------------------------

JOURNAL = Sheet(
    "journal", "Journal", "Journal",
    (
        Column("timestamp", "Horodatage", "Timestamp", help="Date et heure de l'envoi ou de l'appel.", width=18),
        Column("client", "Client", "Client", help="Code client.", width=12),
        Column("invoices", "Factures", "Invoices", help="Numéros des factures concernées.", width=22),
        Column("step", "Étape", "Step", help="Étape du scénario (J+7, Appel J+7…) ; pour un appel noté à la main, "
               "laissez vide ou écrivez l'étape.", width=10),
        Column("channel", "Canal", "Channel", "choice", choices=CHANNELS,
               help="E-mail, Appel, Courrier ou Mise en demeure.", width=14),
        Column("recipients", "Destinataires", "Recipients", help="Adresses (ou numéro) à qui la relance est allée.",
               width=28),
        Column("message_id", "Message-ID", "Message ID",
               help="Identifiant de l'e-mail : le même à chaque essai, pour qu'un serveur écarte un doublon.", width=30),
        Column("result", "Résultat", "Result",
               help="Écrit par Relance (envoyé, brouillon préparé, à vérifier, à faire…). Écrivez « envoyé » quand "
                    "vous avez vérifié ou envoyé vous-même, « à renvoyer » pour qu'il reparte au prochain envoi.",
               width=18),
        Column("key", "Clé", "Key", help="Identité de la relance : empêche tout double envoi. Ne pas modifier.", width=30),
        Column("outcome", "Issue de l'appel", "Outcome", "choice", choices=CALL_OUTCOMES,
               help="Ce que l'appel a donné ; une promesse ou un litige suspend les relances.", width=18),
        Column("contact", "Interlocuteur", "Contact", help="La personne jointe.", width=18),
        Column("promise_date", "Date de promesse", "Promise date", "date",
               help="Date de paiement promise : pas de relance jusqu'à cette date.", width=12),
        Column("dispute_reason", "Motif de litige", "Dispute reason",
               help="Motif du litige : la facture est suspendue ; « levé » ou « résolu » le lève.", width=20),
        Column("comment", "Commentaire", "Comment", help="Vos notes ; Relance y écrit où est la lettre à poster.",
               width=30),
        Column("run_date", "Date de relance", "Run date", "date",
               help="Le jour de relance (--today) quand il diffère de la date de l'envoi.", width=12),
    ),
    "log",
    help="Journal des relances et des appels : Relance ajoute une ligne par envoi ; notez vos appels à la suite.",
    aliases=("Log",),
)

# --- Generated sheets ------------------------------------------------------------

RELANCES = Sheet("queue", "Relances", "Reminders", (), "generated",
                 help="File des relances du jour, recalculée par « Actualiser ».", aliases=("Queue",))
REVUE = Sheet("review", "Revue", "Review", (), "generated",
              help="Revue mensuelle : balance âgée, DSO, clients à bloquer, encaissements attendus.")
TAUX = Sheet("rates", "Taux", "Rates", (), "generated",
             help="Taux BCE et taux légaux livrés avec Relance ; vous pouvez corriger ou ajouter une ligne.")
ANOMALIES = Sheet(
    "problems", "Anomalies", "Problems",
    (
        Column("sheet", "Feuille", "Sheet", width=14),
        Column("row", "Ligne", "Row", "int", width=8),
        Column("column", "Colonne", "Column", width=18),
        Column("value", "Valeur", "Value", width=18),
        Column("message", "Problème", "Problem", width=60),
        Column("fix", "Correction", "Fix", width=60),
        Column("severity", "Gravité", "Severity", width=14),
    ),
    "generated",
    help="Problèmes trouvés dans vos données, avec la ligne et la correction. Recalculée par « Actualiser ».",
)

# Relance's own record of what it wrote in cells a person may also type (a blank Montant of
# Échéanciers filled from its percentage): hidden, rewritten by every refresh, read back by the
# next one to tell Relance's figures from a person's. Not in the template.
RECORD = Sheet("record", "_Relance", "_Relance", (), "generated",
               help="Ce que Relance a écrit dans vos feuilles, pour le distinguer de ce que vous tapez. Ne pas modifier.")

# --- Rapprochement ------------------------------------------------------------------

# Bank lines imported (``relance import``) that are not sure payments: written by Relance,
# decided by a person in « Décision », applied by the next import or « Actualiser ».
DECISIONS = ("Confirmer", "Ignorer")
RAPPROCHEMENT = Sheet(
    "reconciliation", "Rapprochement", "Reconciliation",
    (
        Column("date", "Date", "Date", "date", help="Date de l'opération au relevé.", width=11),
        Column("amount", "Montant", "Amount", "money", help="Montant au relevé (négatif : débit).", width=13),
        Column("currency", "Devise", "Currency", width=7),
        Column("operation", "Opération", "Operation", help="Virement, Prélèvement, Débit, Rejet…", width=12),
        Column("payer", "Payeur", "Payer", width=24),
        Column("payer_iban", "IBAN payeur", "Payer IBAN", width=30),
        Column("text", "Libellé", "Text", help="Libellé et informations de remise du relevé.", width=40),
        Column("reason", "Motif", "Reason", help="Pourquoi Relance ne l'a pas enregistré tout seul.", width=50),
        Column("proposal", "Proposition", "Proposal",
               help="Ce que « Confirmer » enregistre : des n° de facture, ou un code client (paiement imputé sur "
                    "ses factures les plus anciennes).", width=30),
        Column("others", "Autres candidats", "Other candidates", width=26),
        Column("decision", "Décision", "Decision", choices=DECISIONS,
               help="Confirmer : enregistre la Proposition. Ignorer : la ligne n'est pas un paiement client. "
                    "Ou tapez le(s) n° de facture, ou un code client. Appliqué au prochain import ou « Actualiser ».",
               width=18),
        Column("account", "Compte", "Account", help="Le compte du relevé.", width=28),
        Column("reference", "Référence banque", "Bank reference", width=22),
        Column("source", "Fichier", "File", width=18),
        Column("identity", "Identité", "Identity",
               help="Identité de la ligne du relevé : empêche tout double import. Ne pas modifier.", width=22),
    ),
    "log",
    help="Opérations des relevés à rapprocher : choisissez une Décision ; le prochain import ou « Actualiser » "
         "l'applique.",
    aliases=("Reconciliation", "Rapprochement bancaire"),
)

# Relance's record of every bank line imported (its identity and what became of it): hidden,
# rewritten by each import, so that a statement imported twice adds nothing. Not in the template.
BANK_LOG = Sheet("bank_log", "_Banque", "_Bank", (), "generated",
                 help="Les opérations bancaires déjà importées. Ne pas modifier.")

SHEETS: tuple[Sheet, ...] = (
    PARAMETRES, CLIENTS, FACTURES, PAIEMENTS, ECHEANCIERS, SCENARIOS, JOURNAL, RELANCES, REVUE, TAUX, ANOMALIES,
    RAPPROCHEMENT,
)
BY_KEY = {s.key: s for s in SHEETS}


# --- helpers ---------------------------------------------------------------------


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def normalize(text: object) -> str:
    """Label → comparison key: no case, accents, punctuation or extra spaces (``N° facture`` → ``n facture``)."""
    t = _strip_accents(str(text if text is not None else "")).casefold()
    t = re.sub(r"[^0-9a-z%]+", " ", t)
    return t.strip()


def _sheet(sheet: Sheet | str) -> Sheet:
    if isinstance(sheet, Sheet):
        return sheet
    if sheet in BY_KEY:
        return BY_KEY[sheet]
    for s in SHEETS:
        if normalize(sheet) in {normalize(s.fr), normalize(s.en)}:
            return s
    raise KeyError(f"unknown sheet {sheet!r}")


def find_sheet(names: Iterable[str], sheet: Sheet | str) -> str | None:
    """The workbook's real name for ``sheet`` (FR, EN or alias; case and accents ignored), else None.

    A French name wins over an English one when both exist.
    """
    s = _sheet(sheet)
    names = list(names)
    for wanted in (s.fr, s.en, *s.aliases):
        for name in names:
            if normalize(name) == normalize(wanted):
                return name
    return None


def label(sheet: Sheet | str, key: str, lang: str = "fr") -> str:
    """The label of a column (or of a settings key for the Paramètres sheet) in ``lang``."""
    s = _sheet(sheet)
    try:
        col = s.column(key)
    except KeyError:
        if s.kind != "settings":
            raise
        col = next(c for c in SETTING_KEYS if c.key == key)
    return col.en if lang == "en" else col.fr


def match_column(sheet: Sheet, text: object) -> Column | None:
    """The column a header cell names, or None (a user column)."""
    key = normalize(text)
    if not key:
        return None
    for col in sheet.columns:  # exact FR/EN labels first: "Code" must not steal "Code client"
        if key in (normalize(col.fr), normalize(col.en)):
            return col
    for col in sheet.columns:
        if key in {normalize(a) for a in col.aliases}:
            return col
    return None


def match_setting(text: object) -> Column | None:
    """The Settings field a Paramètres key names, or None."""
    key = normalize(text)
    if not key:
        return None
    for col in SETTING_KEYS:
        if key in (normalize(col.fr), normalize(col.en)):
            return col
    for col in SETTING_KEYS:
        if key in {normalize(a) for a in col.aliases}:
            return col
    return None


@dataclass(frozen=True)
class HeaderMap:
    """Where a sheet's columns are.

    ``row`` is the 1-based header row (None: no header found). ``columns`` maps
    each column key to its 1-based index — found columns, and missing computed
    columns at appended positions after the last used column (listed in
    ``appended``; the writer creates their headers). ``labels`` holds the label
    as the user wrote it. ``extra`` lists the user's own columns (index, label).
    ``duplicates`` lists (index, label) of a known column written twice (the
    first one is used).
    """

    sheet: Sheet
    row: int | None
    columns: dict[str, int] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    extra: tuple[tuple[int, str], ...] = ()
    appended: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()  # input columns absent (required or not)
    duplicates: tuple[tuple[int, str], ...] = ()

    @property
    def missing_required(self) -> tuple[str, ...]:
        return tuple(k for k in self.missing if self.sheet.column(k).required)

    def label_of(self, key: str) -> str:
        return self.labels.get(key) or self.sheet.column(key).fr

    @property
    def language(self) -> str:
        """``"en"`` when more of the labels found are the English label than the French one
        (a label both share, like ``Date``, and aliases count for neither), else ``"fr"``."""
        fr = en = 0
        for key, text in self.labels.items():
            col, found = self.sheet.column(key), normalize(text)
            if found == normalize(col.en) != normalize(col.fr):
                en += 1
            elif found == normalize(col.fr) != normalize(col.en):
                fr += 1
        return "en" if en > fr else "fr"

    def new_label(self, key: str) -> str:
        """The header Relance writes for a column it appends: in the language of the others."""
        col = self.sheet.column(key)
        return col.en if self.language == "en" else col.fr


def locate_header(sheet_data, sheet: Sheet | str) -> HeaderMap:
    """Find the header row: the first of the first 10 rows with at least two known labels."""
    s = _sheet(sheet)
    rows = sheet_data.rows
    width = max((len(r) for r in rows), default=0)
    for i, row in enumerate(rows[:10]):
        found = [(j, match_column(s, v)) for j, v in enumerate(row)]
        if len({c.key for _, c in found if c is not None}) < 2:
            continue
        columns: dict[str, int] = {}
        labels: dict[str, str] = {}
        extra: list[tuple[int, str]] = []
        duplicates: list[tuple[int, str]] = []
        for j, col in found:
            text = row[j]
            if col is None:
                if text not in (None, "") and str(text).strip():
                    extra.append((j + 1, str(text).strip()))
            elif col.key in columns:
                duplicates.append((j + 1, str(text).strip()))
            else:
                columns[col.key] = j + 1
                labels[col.key] = str(text).strip()
        last = max([width, *columns.values(), *(j for j, _ in extra)], default=0)
        appended: list[str] = []
        missing: list[str] = []
        for col in s.columns:
            if col.key in columns:
                continue
            if col.computed:
                last += 1
                columns[col.key] = last
                appended.append(col.key)
            else:
                missing.append(col.key)
        return HeaderMap(s, i + 1, columns, labels, tuple(extra), tuple(appended), tuple(missing), tuple(duplicates))
    return HeaderMap(s, None, missing=tuple(c.key for c in s.columns if not c.computed))
