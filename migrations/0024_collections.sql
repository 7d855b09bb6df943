CREATE TABLE `collected_answers` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`directive_id` integer NOT NULL,
	`level` integer NOT NULL,
	`subject_id` integer NOT NULL,
	`by_person_id` integer,
	`inbound_id` integer NOT NULL,
	`text` text NOT NULL,
	`fields` text,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `collected_answers_uq` ON `collected_answers` (`directive_id`,`level`,`subject_id`);--> statement-breakpoint
ALTER TABLE `directives` ADD `collect` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `directives` ADD `fields` text;