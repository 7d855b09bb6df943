CREATE TABLE `group_members` (
	`platform` text NOT NULL,
	`chat_id` text NOT NULL,
	`user_id` text NOT NULL,
	`nickname` text NOT NULL,
	`card` text,
	`role` text NOT NULL,
	`joined_at` integer,
	PRIMARY KEY(`platform`, `chat_id`, `user_id`)
);
--> statement-breakpoint
CREATE TABLE `member_lists` (
	`platform` text NOT NULL,
	`chat_id` text NOT NULL,
	`topic` text,
	`refreshed_at` integer NOT NULL,
	`account_id` text NOT NULL,
	PRIMARY KEY(`platform`, `chat_id`)
);
--> statement-breakpoint
CREATE TABLE `session_ids` (
	`account_id` text NOT NULL,
	`kind` text NOT NULL,
	`session_id` text NOT NULL,
	`canonical_id` text NOT NULL,
	`resolved_by` text NOT NULL,
	`at` integer NOT NULL,
	PRIMARY KEY(`account_id`, `kind`, `session_id`)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `session_ids_canonical_uq` ON `session_ids` (`account_id`,`kind`,`canonical_id`);