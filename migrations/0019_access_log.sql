CREATE TABLE `access_log` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` integer NOT NULL,
	`by_person_id` integer,
	`by` text NOT NULL,
	`what` text NOT NULL,
	`scope` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `access_log_at_idx` ON `access_log` (`at`);--> statement-breakpoint
CREATE INDEX `access_log_by_idx` ON `access_log` (`by_person_id`,`at`);