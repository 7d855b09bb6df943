ALTER TABLE `directives` ADD `from_level` integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE `directives` ADD `class_ids` text;