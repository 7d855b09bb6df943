CREATE TABLE `call_tasks` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`directive_id` integer NOT NULL,
	`level` integer NOT NULL,
	`kind` text NOT NULL,
	`subject_id` integer NOT NULL,
	`college_id` integer,
	`class_id` integer,
	`person_id` integer NOT NULL,
	`created_at` integer NOT NULL,
	`done_at` integer,
	`done_by` integer,
	FOREIGN KEY (`directive_id`) REFERENCES `directives`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `call_tasks_uq` ON `call_tasks` (`directive_id`,`level`,`kind`,`subject_id`,`person_id`);