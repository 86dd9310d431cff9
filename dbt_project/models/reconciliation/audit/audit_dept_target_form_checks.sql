-- Checks 1-3 and 6c within one 部门整体预算绩效目标申报表 (dept_target_form): the budget identity,
-- the 本级/对下 split, the key tasks' funds and the comparators of its targets. Every landed
-- version, current or superseded; unioned into audit_document_checks. The lines each side of
-- checks 1-3 adds, and its label, come from the seed budget_identities (int_budget_identities).

with

documents as (

    select * from {{ ref('stg_raw__documents') }}

),

budget as (

    select * from {{ ref('int_budget_totals') }}

),

identities as (

    select * from {{ ref('int_budget_identities') }}

),

key_tasks as (

    select * from {{ ref('stg_raw__key_tasks') }}

),

comparators as (

    select * from {{ ref('int_target_comparators') }}

),

departments as (

    select * from {{ ref('departments') }}

),

forms as (

    select
        documents.*,
        budget.* exclude (budget.document_sha256),
        documents.document_sha256 as document_sha256s,
        documents.source_path as source_paths,
        -- city / district, from the seed; null for a department the seed does not know
        departments.level as department_level,
        -- 财政拨款 + 其他资金: the budget identity's expected side, 0 where neither is printed
        coalesce(budget_identity.expected, 0) as form_total,
        -- Some templates (肇庆) print 财政专项资金 and 其他事业发展性支出 as the parts of 项目支出
        -- rather than beside it: then both identities hold, the total and the parts.
        project_parts.observed > 0
        and project_parts.observed = project_parts.expected as project_parts_printed,
        project_parts.expected_label || ' = ' || project_parts.observed_label as project_parts_label,
        -- 本级 + 对下 split a non-zero 财政专项资金 that is not the total (see check 2)
        coalesce(budget.special_funds, 0) <> 0
        and budget.special_funds <> coalesce(budget_identity.expected, 0)
        and budget.own_level_funds + budget.transfer_funds = budget.special_funds as splits_special_funds

    from documents
    left join budget
        on documents.document_sha256 = budget.document_sha256
    left join departments
        on documents.department_code = departments.department_code
    left join identities as budget_identity
        on documents.document_sha256 = budget_identity.document_sha256
        and budget_identity.identity_code = 'budget_identity'
    left join identities as project_parts
        on documents.document_sha256 = project_parts.document_sha256
        and project_parts.identity_code = 'project_parts'
    where documents.doc_type = 'dept_target_form'

),

task_funds as (

    select
        document_sha256,
        sum(funds_wan_yuan) as task_funds,
        count(funds_wan_yuan) as n_funded_tasks

    from key_tasks
    group by document_sha256

),

final as (

    -- 1. 基本支出 + 项目支出 + 财政专项资金 + 其他事业发展性支出 = 财政拨款 + 其他资金, or, where the
    --    form prints 财政专项资金 and 其他事业发展性支出 as the parts of 项目支出 (and they add up to
    --    it), 基本支出 + 项目支出 = 财政拨款 + 其他资金.
    select
        {{ reconciliation_row(
            check_id='budget_identity',
            observed_label="sides.observed_label || case when forms.project_parts_printed
                then ' (' || forms.project_parts_label || ')' else '' end",
            observed='sides.observed',
            expected_label='sides.expected_label',
            expected='forms.form_total',
            applicable='forms.blank_lines is null and forms.fiscal_appropriation is not null
                and (forms.basic_expenditure is not null or forms.project_expenditure is not null)',
            detail="case when forms.blank_lines is not null then 'blank amounts: ' || forms.blank_lines
                when forms.fiscal_appropriation is null then '财政拨款 not printed' end",
        ) }}
    from forms
    left join identities as sides
        on forms.document_sha256 = sides.document_sha256
        and sides.identity_code = case
            when forms.project_parts_printed then 'budget_identity_with_parts'
            else 'budget_identity'
        end

    union all by name

    -- 2. 本级使用资金 + 拟用于对下转移支付资金 equals 财政专项资金 for the city bureau (it splits its
    --    special funds) and the total for a district bureau (it splits its whole budget), by the
    --    department's level in the seed. A district office printing the city's template splits
    --    its 财政专项资金 instead: accepted only where that split is of a non-zero 财政专项资金
    --    (both lines misread as 0.00 would "split" a 财政专项资金 of 0.00). A department the seed
    --    does not know is held to the district rule, with the same allowance. The whole budget is
    --    0 where neither of its lines is printed; a 财政专项资金 not printed is no side at all.
    select
        {{ reconciliation_row(
            check_id='level_split',
            observed_label='sides.observed_label',
            observed='sides.observed',
            expected_label='sides.expected_label',
            expected="case when sides.identity_code = 'level_split'
                then coalesce(sides.expected, 0) else sides.expected end",
            applicable='forms.blank_lines is null and forms.n_own_level_lines > 0
                and forms.transfer_funds is not null',
            detail="case when forms.blank_lines is not null then 'blank amounts: ' || forms.blank_lines
                when forms.n_own_level_lines = 0 then '本级使用资金 not printed'
                when forms.department_level is distinct from 'city' and forms.splits_special_funds
                    then 'a district form splitting its 财政专项资金 (the city template)'
                when forms.department_level is null
                    then 'department level unknown: held to the district rule' end",
        ) }}
    from forms
    left join identities as sides
        on forms.document_sha256 = sides.document_sha256
        and sides.identity_code = case
            when
                forms.department_level = 'city' or forms.splits_special_funds
                then 'level_split_special_funds'
            else 'level_split'
        end

    union all by name

    -- 3. Key-task funds against 本级使用资金 for the city bureau (its tasks spend its own-level
    --    funds) and against 项目支出 + 财政专项资金 + 其他事业发展性支出 for a district bureau; by the
    --    level in the seed, either for a department the seed does not know. The gap is reported.
    --    As in check 2, the district's sum is 0 where none of its lines is printed.
    select
        {{ reconciliation_row(
            check_id='key_task_funds',
            observed_label="'年度重点工作任务资金合计'",
            observed='task_funds.task_funds',
            expected_label='sides.expected_label',
            expected="case when sides.identity_code = 'key_task_funds'
                then coalesce(sides.expected, 0) else sides.expected end",
            applicable="forms.blank_lines is null and coalesce(task_funds.n_funded_tasks, 0) > 0
                and (forms.department_level is distinct from 'city' or forms.n_own_level_lines > 0)",
            detail="case when forms.blank_lines is not null then 'blank amounts: ' || forms.blank_lines
                when coalesce(task_funds.n_funded_tasks, 0) = 0 then 'no key task states its funds'
                when forms.department_level = 'city' and forms.n_own_level_lines = 0
                    then '本级使用资金 not printed'
                when forms.department_level is null
                    then 'department level unknown: either convention accepted' end",
        ) }}
    from forms
    left join task_funds
        on forms.document_sha256 = task_funds.document_sha256
    left join identities as sides
        on forms.document_sha256 = sides.document_sha256
        and sides.identity_code = case
            when
                forms.department_level = 'city'
                or (forms.department_level is null and forms.own_level_funds = task_funds.task_funds)
                then 'key_task_funds_own_level'
            else 'key_task_funds'
        end

    union all by name

    -- 6c. Each annual target's comparator agrees with its implementation-period target's.
    select
        {{ reconciliation_row(
            check_id='comparators_agree',
            observed_label="'annual targets whose comparator differs from the 实施周期 target'",
            observed='n_disagreeing',
            expected_label="'none'",
            expected=0,
            applicable='n_disagreeing is not null',
            detail="coalesce(disagreeing, case when n_disagreeing is null
                then 'no indicator states both targets' end)",
        ) }}
    from forms
    left join comparators
        on forms.document_sha256 = comparators.document_sha256

)

select * from final
{{ changed_documents_only('document_sha256s') }}
