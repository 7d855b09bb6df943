CREATE TABLE `account_actions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`account_id` text NOT NULL,
	`kind` text NOT NULL,
	`payload` text,
	`created_at` integer NOT NULL,
	`done_at` integer,
	`result` text
);
--> statement-breakpoint
CREATE TABLE `account_status` (
	`account_id` text PRIMARY KEY NOT NULL,
	`platform` text NOT NULL,
	`state` text NOT NULL,
	`detail` text,
	`paused_until` integer,
	`pause_reason` text,
	`last_heartbeat_at` integer,
	`self_id` text,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `deliveries` ADD `manual_person_id` integer;--> statement-breakpoint
ALTER TABLE `deliveries` ADD `manual_at` integer;--> statement-breakpoint
ALTER TABLE `deliveries` ADD `manual_done_by` integer;