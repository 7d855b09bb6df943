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