-- A clinic database as the earlier migration runner left it (versions 1-4, 100, 101), SQLite.
-- Made by its migrate() at commit 8410511 with three rows, dumped with sqlite3's iterdump.
BEGIN TRANSACTION;
CREATE TABLE answer_feedback (
	id INTEGER NOT NULL, 
	conversation_id VARCHAR(255) NOT NULL, 
	channel VARCHAR(32) NOT NULL, 
	kb_id VARCHAR(120) NOT NULL, 
	answer_key VARCHAR(64) NOT NULL, 
	helpful BOOLEAN NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id)
);
CREATE TABLE audit_log (
	id INTEGER NOT NULL, 
	ts DATETIME NOT NULL, 
	actor VARCHAR(64) NOT NULL, 
	action VARCHAR(64) NOT NULL, 
	escalation_id VARCHAR(16), 
	detail JSON, 
	PRIMARY KEY (id)
);
CREATE TABLE console_sessions (
	token_hash VARCHAR(64) NOT NULL, 
	username VARCHAR(64) NOT NULL, 
	csrf_token VARCHAR(64) NOT NULL, 
	created_at DATETIME NOT NULL, 
	last_seen_at DATETIME NOT NULL, 
	PRIMARY KEY (token_hash), 
	FOREIGN KEY(username) REFERENCES staff_users (username) ON DELETE CASCADE
);
CREATE TABLE escalation_notes (
	id INTEGER NOT NULL, 
	escalation_id VARCHAR(16) NOT NULL, 
	author VARCHAR(64) NOT NULL, 
	kind VARCHAR(16) NOT NULL, 
	text TEXT NOT NULL, 
	delivered BOOLEAN, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(escalation_id) REFERENCES escalations (id) ON DELETE CASCADE
);
CREATE TABLE escalation_reasons (
	id INTEGER NOT NULL, 
	escalation_id VARCHAR(16) NOT NULL, 
	reason VARCHAR(64) NOT NULL, 
	added_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(escalation_id) REFERENCES escalations (id) ON DELETE CASCADE
);
CREATE TABLE escalations (
	id VARCHAR(16) NOT NULL, 
	conversation_id VARCHAR(255) NOT NULL, 
	channel VARCHAR(64) NOT NULL, 
	reason VARCHAR(64) NOT NULL, 
	priority VARCHAR(16) NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	transcript JSON NOT NULL, 
	kb_topics JSON NOT NULL, 
	details JSON NOT NULL, 
	created_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	claimed_by VARCHAR(64), 
	claimed_at DATETIME, 
	resolved_at DATETIME, 
	resolved_by VARCHAR(64), alert_status VARCHAR(16), alert_detail VARCHAR(300), alert_at DATETIME, 
	PRIMARY KEY (id)
);
INSERT INTO "escalations" VALUES('E1','conv-1','rest','human_request','normal','open','[]','[]','{}','2026-11-30 10:00:00','2026-11-30 10:00:00',NULL,NULL,NULL,NULL,NULL,NULL,NULL);
CREATE TABLE insights_conversations (
	conversation_id VARCHAR(255) NOT NULL, 
	channel VARCHAR(32) NOT NULL, 
	first_day VARCHAR(10) NOT NULL, 
	PRIMARY KEY (conversation_id)
);
CREATE TABLE insights_daily (
	day VARCHAR(10) NOT NULL, 
	channel VARCHAR(32) NOT NULL, 
	metric VARCHAR(40) NOT NULL, 
	"key" VARCHAR(120) NOT NULL, 
	count INTEGER NOT NULL, 
	PRIMARY KEY (day, channel, metric, "key")
);
CREATE TABLE insights_state (
	name VARCHAR(64) NOT NULL, 
	value INTEGER NOT NULL, 
	PRIMARY KEY (name)
);
CREATE TABLE review_items (
	id INTEGER NOT NULL, 
	conversation_id VARCHAR(255) NOT NULL, 
	channel VARCHAR(32) NOT NULL, 
	event_ts VARCHAR(32) NOT NULL, 
	day VARCHAR(10) NOT NULL, 
	text TEXT NOT NULL, 
	group_key VARCHAR(200) NOT NULL, 
	reason VARCHAR(32) NOT NULL, 
	intent VARCHAR(120), 
	confidence FLOAT, 
	kb_id VARCHAR(120), 
	safety BOOLEAN NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	label VARCHAR(120), 
	labeled_by VARCHAR(64), 
	labeled_at DATETIME, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id)
);
CREATE TABLE schema_migrations (
	version INTEGER NOT NULL, 
	name VARCHAR(200) NOT NULL, 
	applied_at DATETIME NOT NULL, 
	PRIMARY KEY (version)
);
INSERT INTO "schema_migrations" VALUES(1,'escalations, staff accounts, console sessions, audit log','2026-12-03 12:06:07.039491');
INSERT INTO "schema_migrations" VALUES(2,'escalations: outcome of the urgent staff alert (sent, partial, failed)','2026-12-03 12:06:07.112085');
INSERT INTO "schema_migrations" VALUES(3,'staff: TOTP second factor and hashed recovery codes','2026-12-03 12:06:07.151279');
INSERT INTO "schema_migrations" VALUES(4,'insights: answer feedback, daily aggregates, review inbox','2026-12-03 12:06:07.190054');
INSERT INTO "schema_migrations" VALUES(100,'sms/whatsapp channel: contacts, consent, inbound dedup, options, settings','2026-12-03 12:06:07.227514');
INSERT INTO "schema_migrations" VALUES(101,'sms inbound messages: claim state and body until processed (at-least-once)','2026-12-03 12:06:07.269740');
CREATE TABLE sms_consent_events (
	id INTEGER NOT NULL, 
	pseudonym VARCHAR(40) NOT NULL, 
	event VARCHAR(16) NOT NULL, 
	keyword VARCHAR(32) NOT NULL, 
	at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(pseudonym) REFERENCES sms_contacts (pseudonym) ON DELETE CASCADE
);
CREATE TABLE sms_contacts (
	pseudonym VARCHAR(40) NOT NULL, 
	channel VARCHAR(16) NOT NULL, 
	address VARCHAR(64) NOT NULL, 
	created_at DATETIME NOT NULL, 
	last_inbound_at DATETIME, 
	opted_out_at DATETIME, 
	PRIMARY KEY (pseudonym)
);
CREATE TABLE sms_inbound_messages (
	message_sid VARCHAR(64) NOT NULL, 
	pseudonym VARCHAR(40) NOT NULL, 
	received_at DATETIME NOT NULL, state VARCHAR(16) DEFAULT 'processed' NOT NULL, body TEXT, owner VARCHAR(32), claimed_at DATETIME, processed_at DATETIME, 
	PRIMARY KEY (message_sid)
);
INSERT INTO "sms_inbound_messages" VALUES('SM1','p1','2026-11-30 10:00:00','processed',NULL,NULL,NULL,NULL);
CREATE TABLE sms_options (
	pseudonym VARCHAR(40) NOT NULL, 
	options TEXT NOT NULL, 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (pseudonym)
);
CREATE TABLE sms_settings (
	name VARCHAR(64) NOT NULL, 
	value TEXT NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (name)
);
CREATE TABLE staff_recovery_codes (
	id INTEGER NOT NULL, 
	username VARCHAR(64) NOT NULL, 
	code_hash VARCHAR(64) NOT NULL, 
	used_at DATETIME, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(username) REFERENCES staff_users (username) ON DELETE CASCADE
);
CREATE TABLE staff_users (
	username VARCHAR(64) NOT NULL, 
	display_name VARCHAR(100) NOT NULL, 
	password_hash VARCHAR(255) NOT NULL, 
	role VARCHAR(16) NOT NULL, 
	failed_attempts INTEGER NOT NULL, 
	locked_until DATETIME, 
	disabled BOOLEAN NOT NULL, 
	created_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	last_login_at DATETIME, totp_secret VARCHAR(64), 
	PRIMARY KEY (username)
);
INSERT INTO "staff_users" VALUES('nurse1','Nurse One','x','staff',0,NULL,0,'2026-11-30 10:00:00','2026-11-30 10:00:00',NULL,NULL);
CREATE UNIQUE INDEX ux_escalations_active_conversation ON escalations (conversation_id) WHERE status IN ('open', 'claimed');
CREATE INDEX ix_escalations_conversation ON escalations (conversation_id);
CREATE INDEX ix_escalations_queue ON escalations (status, priority, created_at);
CREATE INDEX ix_audit_log_ts ON audit_log (ts);
CREATE INDEX ix_audit_log_escalation ON audit_log (escalation_id);
CREATE INDEX ix_escalation_reasons_reason ON escalation_reasons (reason);
CREATE INDEX ix_escalation_reasons_escalation ON escalation_reasons (escalation_id);
CREATE INDEX ix_escalation_notes_escalation ON escalation_notes (escalation_id);
CREATE INDEX ix_console_sessions_username ON console_sessions (username);
CREATE INDEX ix_staff_recovery_codes_username ON staff_recovery_codes (username);
CREATE UNIQUE INDEX ux_answer_feedback_answer ON answer_feedback (conversation_id, answer_key);
CREATE INDEX ix_answer_feedback_created ON answer_feedback (created_at);
CREATE INDEX ix_review_items_status ON review_items (status, event_ts);
CREATE UNIQUE INDEX ux_review_items_message ON review_items (conversation_id, event_ts);
CREATE INDEX ix_sms_inbound_messages_received_at ON sms_inbound_messages (received_at);
CREATE INDEX ix_sms_consent_events_pseudonym ON sms_consent_events (pseudonym);
CREATE INDEX ix_sms_inbound_messages_state ON sms_inbound_messages (state, received_at);
COMMIT;
