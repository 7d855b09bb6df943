CREATE TABLE `inbound_sightings` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`account_id` text NOT NULL,
	`platform` text NOT NULL,
	`chat_id` text NOT NULL,
	`platform_message_id` text NOT NULL,
	`inbound_id` integer NOT NULL,
	`sender_platform_id` text NOT NULL,
	`text_hash` text NOT NULL,
	`quote_ref` text,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `sightings_account_message_uq` ON `inbound_sightings` (`account_id`,`platform`,`chat_id`,`platform_message_id`);--> statement-breakpoint
CREATE INDEX `sightings_copy_idx` ON `inbound_sightings` (`platform`,`chat_id`,`sender_platform_id`,`at`);