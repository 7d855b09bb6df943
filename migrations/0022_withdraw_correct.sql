CREATE TABLE `directive_corrections` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`directive_id` integer NOT NULL,
	`text` text NOT NULL,
	`by_person_id` integer NOT NULL,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `directive_corrections_directive_idx` ON `directive_corrections` (`directive_id`);--> statement-breakpoint
ALTER TABLE `deliveries` ADD `recall_of` text;--> statement-breakpoint
ALTER TABLE `directives` ADD `withdrawn_at` integer;--> statement-breakpoint
ALTER TABLE `directives` ADD `withdrawn_by` integer;