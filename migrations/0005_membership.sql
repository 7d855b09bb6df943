CREATE TABLE `audits` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`group_id` integer NOT NULL,
	`at` integer NOT NULL,
	`kind` text NOT NULL,
	`by_person_id` integer,
	`present` text NOT NULL,
	`findings` text NOT NULL,
	FOREIGN KEY (`group_id`) REFERENCES `groups`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `audits_group_idx` ON `audits` (`group_id`,`kind`,`at`);--> statement-breakpoint
CREATE TABLE `binding_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`platform` text NOT NULL,
	`platform_user_id` text NOT NULL,
	`person_id` integer,
	`action` text NOT NULL,
	`by_person_id` integer,
	`reason` text,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `binding_events_account_idx` ON `binding_events` (`platform`,`platform_user_id`);