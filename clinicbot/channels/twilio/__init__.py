"""SMS and WhatsApp through Twilio: a Rasa input channel and its output channel.

Registered in ``credentials.yml`` as ``clinicbot.channels.twilio.TwilioMessagingInput`` and
served at ``/webhooks/twilio/webhook``. The package: :mod:`.config` (settings, pseudonyms),
:mod:`.client` (REST API, retried through :mod:`clinicbot.http_retry`), :mod:`.service` (what
both directions share), :mod:`.channel` (webhook and output channel); the durable state is in
:mod:`clinicbot.store.sms`. Settings come from environment variables, read through
:mod:`clinicbot.settings` (they win over ``credentials.yml``, whose values may stay empty):

``TWILIO_ACCOUNT_SID``, ``TWILIO_AUTH_TOKEN``
    Account credentials: the token checks ``X-Twilio-Signature`` and authenticates the REST API.
``TWILIO_SMS_FROM``, ``TWILIO_WHATSAPP_FROM``
    Sender numbers (``+1555...`` and ``whatsapp:+1555...``).
``TWILIO_API_BASE``
    REST API base URL (default ``https://api.twilio.com``; tests use a local stand-in).
``TWILIO_WEBHOOK_URL``
    The public webhook URL Twilio signs (needed behind a proxy); default: the request URL.
``TWILIO_PSEUDONYM_KEY``
    HMAC key of the conversation pseudonyms; without it one is generated and kept in the DB.
``CLINIC_DB_URL``
    Clinic database (opt-outs, pseudonyms, MessageSid dedup, numbered options:
    :mod:`clinicbot.store.sms`).

How a message flows:

1. The webhook checks the signature (403 when missing, wrong, or no auth token is set), the
   content type (415), the size (413) and the fields (400); then it records the ``MessageSid``
   as *claimed*, with the message text (a Twilio retry of a message already seen is answered
   with empty TwiML and nothing else), and answers ``<Response/>`` at once. The rest runs in
   the background and ends by marking the message *processed* (which clears the stored text).
   At least once: a message still claimed when the server starts (a crash between the 200 and
   the end of processing) is processed then, unless it is older than ``redrive_max_age``
   (24 h); the same sweep repeats every minute for claims other processes left behind.
2. The conversation id is a pseudonym (``sms-<hmac>``/``wa-<hmac>``), never the phone number.
3. Carrier keywords: STOP & co. record the opt-out (no reply on SMS, Twilio confirms; one short
   confirmation on WhatsApp); while opted out, only START/UNSTOP/YES is acted on (everything
   else is neither passed to the bot nor answered); START clears the opt-out and welcomes;
   HELP/INFO answers with the clinic's contact and crisis numbers
   (:mod:`clinicbot.channels.sms_keywords` recognises the keywords).
4. A reply that is just an option number ("2") becomes that option's payload.
5. The bot's messages of the turn are collected, formatted for SMS
   (:mod:`clinicbot.channels.sms_format`, lengths in :mod:`clinicbot.channels.sms_text`) and
   sent through Twilio's REST API, with retries.
   Nothing is ever sent to an opted-out number, crisis texts included (a warning is logged).

Logs carry a short hash of the pseudonym (``log_id``), never the pseudonym, a phone number or
message text. Inbound bodies longer than Twilio's own 1600-character limit are cut to 1600
characters before they reach the bot.
"""

from clinicbot.channels.twilio.channel import TwilioMessagingInput, TwilioMessagingOutput
from clinicbot.channels.twilio.client import TwilioRestClient
from clinicbot.channels.twilio.config import (
    CHANNEL_NAME,
    MAX_INBOUND_CHARS,
    MAX_REQUEST_BYTES,
    TwilioConfig,
    parse_sender,
    pseudonym_for,
)
from clinicbot.channels.twilio.service import (
    KeyedLocks,
    TwilioService,
    help_text,
    media_only_text,
    welcome_text,
    whatsapp_stop_text,
)
from clinicbot.http_retry import parse_retry_after

__all__ = [
    "CHANNEL_NAME",
    "MAX_INBOUND_CHARS",
    "MAX_REQUEST_BYTES",
    "KeyedLocks",
    "TwilioConfig",
    "TwilioMessagingInput",
    "TwilioMessagingOutput",
    "TwilioRestClient",
    "TwilioService",
    "help_text",
    "media_only_text",
    "parse_retry_after",
    "parse_sender",
    "pseudonym_for",
    "welcome_text",
    "whatsapp_stop_text",
]
