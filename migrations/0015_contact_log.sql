CREATE TABLE `contact_log` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` integer NOT NULL,
	`by_person_id` integer,
	`student_id` integer NOT NULL,
	`contact_person_id` integer,
	`contact_label` text NOT NULL,
	`channel` text NOT NULL,
	`text` text NOT NULL,
	`outcome` text,
	`source` text NOT NULL,
	`auto_key` text,
	`delivery_key` text,
	`corrects_id` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`student_id`) REFERENCES `persons`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `contact_log_auto_key_unique` ON `contact_log` (`auto_key`);--> statement-breakpoint
CREATE INDEX `contact_log_student_idx` ON `contact_log` (`student_id`,`at`);--> statement-breakpoint
CREATE INDEX `contact_log_by_idx` ON `contact_log` (`by_person_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `contact_log_at_idx` ON `contact_log` (`at`);--> statement-breakpoint
CREATE INDEX `contact_log_contact_idx` ON `contact_log` (`contact_person_id`,`at`);