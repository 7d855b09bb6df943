CREATE TABLE `chase_reminders` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`directive_id` integer NOT NULL,
	`round_id` integer NOT NULL,
	`level` integer NOT NULL,
	`kind` text NOT NULL,
	`subject_id` integer NOT NULL,
	`college_id` integer,
	`class_id` integer,
	`step` integer NOT NULL,
	`n` integer NOT NULL,
	`action` text NOT NULL,
	`at` integer NOT NULL,
	FOREIGN KEY (`directive_id`) REFERENCES `directives`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `chase_reminders_uq` ON `chase_reminders` (`directive_id`,`level`,`kind`,`subject_id`,`step`,`n`);--> statement-breakpoint
CREATE TABLE `chase_rounds` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`directive_id` integer NOT NULL,
	`key` text NOT NULL,
	`kind` text NOT NULL,
	`by_person_id` integer,
	`at` integer NOT NULL,
	`reminded` integer NOT NULL,
	`messages` integer NOT NULL,
	FOREIGN KEY (`directive_id`) REFERENCES `directives`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `chase_rounds_key_uq` ON `chase_rounds` (`directive_id`,`key`);--> statement-breakpoint
ALTER TABLE `directives` ADD `urgent` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `directives` ADD `next_chase_at` integer;