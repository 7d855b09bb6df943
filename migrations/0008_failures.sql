CREATE TABLE `failures` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`error_no` text NOT NULL,
	`queue` text NOT NULL,
	`ref` text NOT NULL,
	`attempts` integer NOT NULL,
	`error` text NOT NULL,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `failures_at` ON `failures` (`at`);--> statement-breakpoint
CREATE TABLE `queue_status` (
	`queue` text PRIMARY KEY NOT NULL,
	`waiting` integer NOT NULL,
	`active` integer NOT NULL,
	`delayed` integer NOT NULL,
	`failed` integer NOT NULL,
	`updated_at` integer NOT NULL
);
