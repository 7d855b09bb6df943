CREATE TABLE `binding_requests` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`platform` text NOT NULL,
	`platform_user_id` text NOT NULL,
	`person_id` integer NOT NULL,
	`student_id` integer NOT NULL,
	`code_hash` text,
	`status` text NOT NULL,
	`wrong_codes` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`decided_at` integer
);
--> statement-breakpoint
CREATE INDEX `binding_requests_account_idx` ON `binding_requests` (`platform`,`platform_user_id`,`status`);