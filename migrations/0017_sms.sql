CREATE TABLE `sms_deliveries` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`key` text NOT NULL,
	`kind` text NOT NULL,
	`phone` text NOT NULL,
	`person_id` integer,
	`student_id` integer,
	`directive_id` integer,
	`template_id` text NOT NULL,
	`params` text NOT NULL,
	`urgent` integer DEFAULT false NOT NULL,
	`status` text NOT NULL,
	`reason` text,
	`provider_id` text,
	`attempts` integer DEFAULT 0 NOT NULL,
	`planned_at` integer NOT NULL,
	`sent_at` integer,
	`receipt_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `sms_deliveries_key_unique` ON `sms_deliveries` (`key`);--> statement-breakpoint
CREATE INDEX `sms_phone_idx` ON `sms_deliveries` (`phone`,`planned_at`);--> statement-breakpoint
CREATE INDEX `sms_status_idx` ON `sms_deliveries` (`status`);--> statement-breakpoint
CREATE INDEX `sms_provider_idx` ON `sms_deliveries` (`provider_id`);