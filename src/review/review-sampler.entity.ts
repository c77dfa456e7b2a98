import { Column, Entity, PrimaryColumn } from 'typeorm';

/** How far each source (`traces`, `eval_results`) has been sampled for review. */
@Entity('review_sampler')
export class ReviewSampler {
  @PrimaryColumn('text')
  source!: string;

  @Column('timestamptz')
  watermark!: Date;
}
