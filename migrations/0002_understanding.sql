CREATE TABLE `chains` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`platform` text NOT NULL,
	`chat_id` text NOT NULL,
	`key` text NOT NULL,
	`directive_id` integer,
	`lines` text NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `chains_chat_key_uq` ON `chains` (`platform`,`chat_id`,`key`);--> statement-breakpoint
CREATE TABLE `review_items` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`inbound_id` integer NOT NULL,
	`group_id` integer,
	`college_id` integer,
	`class_id` integer,
	`sender_person_id` integer,
	`sender_name` text NOT NULL,
	`label` text NOT NULL,
	`confidence` real,
	`directive_id` integer,
	`pending` text DEFAULT '[]' NOT NULL,
	`suggested_person_id` integer,
	`platform_user_id` text,
	`excerpt` text,
	`status` text DEFAULT 'open' NOT NULL,
	`decided_by` integer,
	`decided_at` integer,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `review_open_idx` ON `review_items` (`status`,`college_id`);--> statement-breakpoint
CREATE INDEX `review_inbound_idx` ON `review_items` (`inbound_id`);--> statement-breakpoint
PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_acknowledgements` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`directive_id` integer NOT NULL,
	`level` integer NOT NULL,
	`kind` text NOT NULL,
	`subject_id` integer NOT NULL,
	`by_person_id` integer,
	`college_id` integer,
	`class_id` integer,
	`group_id` integer NOT NULL,
	`inbound_id` integer NOT NULL,
	`at` integer NOT NULL,
	`late` integer NOT NULL,
	FOREIGN KEY (`directive_id`) REFERENCES `directives`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
INSERT INTO `__new_acknowledgements`("id", "directive_id", "level", "kind", "subject_id", "by_person_id", "college_id", "class_id", "group_id", "inbound_id", "at", "late") SELECT "id", "directive_id", "level", "kind", "subject_id", "by_person_id", "college_id", "class_id", "group_id", "inbound_id", "at", "late" FROM `acknowledgements`;--> statement-breakpoint
DROP TABLE `acknowledgements`;--> statement-breakpoint
ALTER TABLE `__new_acknowledgements` RENAME TO `acknowledgements`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE INDEX `ack_inbound_idx` ON `acknowledgements` (`inbound_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `ack_subject_college_uq` ON `acknowledgements` (`directive_id`,`level`,`kind`,`subject_id`,`college_id`);--> statement-breakpoint
CREATE INDEX `ack_college_idx` ON `acknowledgements` (`directive_id`,`college_id`);--> statement-breakpoint
CREATE INDEX `ack_by_person_idx` ON `acknowledgements` (`by_person_id`,`group_id`,`at`);--> statement-breakpoint
ALTER TABLE `inbound_messages` ADD `detail` text;--> statement-breakpoint
ALTER TABLE `inbound_messages` ADD `withdrawn_at` integer;