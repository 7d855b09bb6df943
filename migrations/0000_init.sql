CREATE TABLE `acknowledgements` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`directive_id` integer NOT NULL,
	`level` integer NOT NULL,
	`kind` text NOT NULL,
	`subject_id` integer NOT NULL,
	`by_person_id` integer NOT NULL,
	`college_id` integer,
	`class_id` integer,
	`group_id` integer NOT NULL,
	`inbound_id` integer NOT NULL,
	`at` integer NOT NULL,
	`late` integer NOT NULL,
	FOREIGN KEY (`directive_id`) REFERENCES `directives`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `ack_subject_uq` ON `acknowledgements` (`directive_id`,`level`,`kind`,`subject_id`);--> statement-breakpoint
CREATE INDEX `ack_college_idx` ON `acknowledgements` (`directive_id`,`college_id`);--> statement-breakpoint
CREATE TABLE `bindings` (
	`platform` text NOT NULL,
	`platform_user_id` text NOT NULL,
	`person_id` integer NOT NULL,
	`source` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`platform`, `platform_user_id`),
	FOREIGN KEY (`person_id`) REFERENCES `persons`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `bindings_person_idx` ON `bindings` (`person_id`);--> statement-breakpoint
CREATE TABLE `classes` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`college_id` integer NOT NULL,
	FOREIGN KEY (`college_id`) REFERENCES `colleges`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `classes_name_unique` ON `classes` (`name`);--> statement-breakpoint
CREATE TABLE `colleges` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `colleges_name_unique` ON `colleges` (`name`);--> statement-breakpoint
CREATE TABLE `counselor_classes` (
	`person_id` integer NOT NULL,
	`class_id` integer NOT NULL,
	PRIMARY KEY(`person_id`, `class_id`),
	FOREIGN KEY (`person_id`) REFERENCES `persons`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`class_id`) REFERENCES `classes`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `deliveries` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`key` text NOT NULL,
	`purpose` text NOT NULL,
	`directive_id` integer,
	`group_id` integer,
	`account_id` text NOT NULL,
	`platform` text NOT NULL,
	`chat_type` text NOT NULL,
	`target` text NOT NULL,
	`text` text NOT NULL,
	`mentions` text DEFAULT '[]' NOT NULL,
	`quote_id` text,
	`status` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`platform_message_id` text,
	`error` text,
	`planned_at` integer NOT NULL,
	`sent_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `deliveries_key_unique` ON `deliveries` (`key`);--> statement-breakpoint
CREATE INDEX `deliveries_status_idx` ON `deliveries` (`status`,`account_id`);--> statement-breakpoint
CREATE INDEX `deliveries_directive_idx` ON `deliveries` (`directive_id`);--> statement-breakpoint
CREATE INDEX `deliveries_pmid_idx` ON `deliveries` (`platform`,`target`,`platform_message_id`);--> statement-breakpoint
CREATE TABLE `directives` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`issuer_id` integer NOT NULL,
	`origin_group_id` integer NOT NULL,
	`origin_inbound_id` integer,
	`text` text NOT NULL,
	`deadline_at` integer,
	`depth` integer NOT NULL,
	`college_ids` text,
	`require_completion` integer NOT NULL,
	`mode` text NOT NULL,
	`reply_hint` text NOT NULL,
	`status` text DEFAULT 'open' NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`issuer_id`) REFERENCES `persons`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`origin_group_id`) REFERENCES `groups`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `groups` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`key` text NOT NULL,
	`level` integer NOT NULL,
	`kind` text NOT NULL,
	`name` text NOT NULL,
	`college_id` integer,
	`class_id` integer,
	FOREIGN KEY (`college_id`) REFERENCES `colleges`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`class_id`) REFERENCES `classes`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `groups_key_unique` ON `groups` (`key`);--> statement-breakpoint
CREATE TABLE `guardianships` (
	`guardian_id` integer NOT NULL,
	`student_id` integer NOT NULL,
	`relation` text NOT NULL,
	PRIMARY KEY(`guardian_id`, `student_id`),
	FOREIGN KEY (`guardian_id`) REFERENCES `persons`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`student_id`) REFERENCES `persons`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `guardianships_student_idx` ON `guardianships` (`student_id`);--> statement-breakpoint
CREATE TABLE `imports` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`source` text NOT NULL,
	`at` integer NOT NULL,
	`summary` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `inbound_messages` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`dedupe_key` text NOT NULL,
	`platform` text NOT NULL,
	`account_id` text NOT NULL,
	`chat_type` text NOT NULL,
	`chat_id` text NOT NULL,
	`group_id` integer,
	`platform_message_id` text,
	`sender_platform_id` text NOT NULL,
	`sender_person_id` integer,
	`text` text NOT NULL,
	`quote_id` text,
	`at` integer NOT NULL,
	`meaning` text,
	`confidence` real,
	`directive_id` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `inbound_messages_dedupe_key_unique` ON `inbound_messages` (`dedupe_key`);--> statement-breakpoint
CREATE INDEX `inbound_group_at_idx` ON `inbound_messages` (`group_id`,`at`);--> statement-breakpoint
CREATE TABLE `meta` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `persons` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`ext_id` text NOT NULL,
	`name` text NOT NULL,
	`college_id` integer,
	`class_id` integer,
	`phone` text,
	`qq` text,
	`wechat` text,
	`active` integer DEFAULT true NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`college_id`) REFERENCES `colleges`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`class_id`) REFERENCES `classes`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `persons_ext_id_unique` ON `persons` (`ext_id`);--> statement-breakpoint
CREATE INDEX `persons_class_idx` ON `persons` (`class_id`);--> statement-breakpoint
CREATE TABLE `platform_groups` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`group_id` integer NOT NULL,
	`platform` text NOT NULL,
	`chat_id` text NOT NULL,
	`accounts` text NOT NULL,
	`name` text NOT NULL,
	FOREIGN KEY (`group_id`) REFERENCES `groups`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `platform_groups_chat_uq` ON `platform_groups` (`platform`,`chat_id`);--> statement-breakpoint
CREATE TABLE `releases` (
	`directive_id` integer NOT NULL,
	`group_id` integer NOT NULL,
	`released_at` integer NOT NULL,
	`released_by` integer,
	PRIMARY KEY(`directive_id`, `group_id`),
	FOREIGN KEY (`directive_id`) REFERENCES `directives`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`group_id`) REFERENCES `groups`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `staff_roles` (
	`person_id` integer NOT NULL,
	`role` text NOT NULL,
	`college_id` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`person_id`, `role`, `college_id`),
	FOREIGN KEY (`person_id`) REFERENCES `persons`(`id`) ON UPDATE no action ON DELETE no action
);
