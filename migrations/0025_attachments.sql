CREATE TABLE `attachments` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`directive_id` integer,
	`kind` text NOT NULL,
	`name` text NOT NULL,
	`size` integer,
	`sha256` text,
	`status` text NOT NULL,
	`origin` text DEFAULT 'message' NOT NULL,
	`source` text,
	`error` text,
	`person_id` integer,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `attachments_directive_idx` ON `attachments` (`directive_id`);--> statement-breakpoint
ALTER TABLE `deliveries` ADD `attachment_id` integer;--> statement-breakpoint
ALTER TABLE `deliveries` ADD `file_fallback` text;--> statement-breakpoint
ALTER TABLE `directives` ADD `extra_groups` text;--> statement-breakpoint
ALTER TABLE `inbound_messages` ADD `files` text;