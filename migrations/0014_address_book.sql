CREATE TABLE `contact_checks` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`person_id` integer NOT NULL,
	`method` text NOT NULL,
	`phone` text,
	`replaced_phone` text,
	`by_person_id` integer,
	`at` integer NOT NULL,
	FOREIGN KEY (`person_id`) REFERENCES `persons`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `contact_checks_person_idx` ON `contact_checks` (`person_id`,`at`);