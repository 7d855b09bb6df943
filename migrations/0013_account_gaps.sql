CREATE TABLE `account_gaps` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`account_id` text NOT NULL,
	`from_at` integer NOT NULL,
	`to_at` integer NOT NULL,
	`recovered` integer NOT NULL,
	`caught` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE INDEX `account_gaps_to_idx` ON `account_gaps` (`to_at`);