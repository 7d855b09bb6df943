DROP INDEX `ack_subject_uq`;--> statement-breakpoint
CREATE UNIQUE INDEX `ack_subject_college_uq` ON `acknowledgements` (`directive_id`,`level`,`kind`,`subject_id`,`college_id`);--> statement-breakpoint
CREATE INDEX `ack_by_person_idx` ON `acknowledgements` (`by_person_id`,`group_id`,`at`);--> statement-breakpoint
CREATE INDEX `inbound_fingerprint_idx` ON `inbound_messages` (`platform`,`chat_id`,`sender_platform_id`,`at`);